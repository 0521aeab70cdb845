using System;
using System.Security.Cryptography;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.LiveReload;

/// <summary>
/// The client script pages load from <see cref="LiveReloadPaths.Script"/>, held in memory and answered on the loop as
/// a file would be: its own ETag (from its bytes, so a new module version is a new tag), revalidated by browsers.
/// It subscribes to the event stream; "reload" reloads the page, "css PATH" swaps that stylesheet (every same-origin
/// one when no link names it, as for a sheet pulled in by @import) with a cache-busting query, without a navigation.
/// EventSource reconnects on its own after a dropped stream; the script starts a new one quietly if the browser gave up.
/// </summary>
internal static class LiveReloadScript
{
    private const string Source = """
        (function () {
          'use strict';
          if (window.__pswebserverLiveReload) return;
          window.__pswebserverLiveReload = true;
          var eventsUrl = '/__pswebserver/events';
          function sameOrigin(link) {
            try { return new URL(link.href, location.href).origin === location.origin; } catch (e) { return false; }
          }
          function pathOf(link) {
            try { return decodeURIComponent(new URL(link.href, location.href).pathname); } catch (e) { return ''; }
          }
          function swapCss(path) {
            var links = Array.prototype.slice.call(document.querySelectorAll('link[rel~="stylesheet" i][href]')).filter(sameOrigin);
            var named = links.filter(function (link) { return pathOf(link) === path; });
            (named.length ? named : links).forEach(function (link) {
              var url = new URL(link.href, location.href);
              url.searchParams.set('__pswebserver', Date.now().toString(36));
              link.href = url.href;
            });
          }
          function connect() {
            var source = new EventSource(eventsUrl);
            source.onopen = function () { window.__pswebserverLiveReload = 'connected'; };
            source.onmessage = function (event) {
              var data = String(event.data);
              if (data === 'reload') location.reload();
              else if (data.indexOf('css ') === 0) swapCss(data.slice(4));
            };
            source.onerror = function () {
              if (source.readyState === 2) { source.close(); setTimeout(connect, 2000); }
            };
          }
          connect();
        })();

        """;

    public static readonly byte[] Body = Encoding.UTF8.GetBytes(Source);

    public static readonly byte[] EntityTag = Encoding.ASCII.GetBytes(
        "\"lr-" + Convert.ToHexString(SHA256.HashData(Body), 0, 8).ToLowerInvariant() + "\"");

    /// <summary>The fields of a 200 (and, the same less the type, a 304).</summary>
    public static readonly HeaderBlock Headers = new HeaderBlockBuilder()
        .Add("Content-Type"u8, "text/javascript; charset=utf-8")
        .Add("ETag"u8, EntityTag)
        .Add("Cache-Control"u8, "no-cache")
        .Build();

    public static readonly HeaderBlock Validators = new HeaderBlockBuilder()
        .Add("ETag"u8, EntityTag)
        .Add("Cache-Control"u8, "no-cache")
        .Build();
}
