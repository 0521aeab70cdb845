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
/// The tabs of one server share one stream (a Web Lock elects the tab that holds it, a BroadcastChannel passes its
/// events on), so many open tabs do not use up the browser's six connections to the server; where those APIs are
/// missing (an insecure context, an old browser) each tab opens its own.
/// </summary>
internal static class LiveReloadScript
{
    private const string Source = """
        (function () {
          'use strict';
          if (window.__pswebserverLiveReload) return;
          window.__pswebserverLiveReload = true;
          var eventsUrl = '/__pswebserver/events';
          var name = 'pswebserver-livereload';
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
          function handle(data) {
            if (data === 'connected') window.__pswebserverLiveReload = 'connected';
            else if (data === 'reload') location.reload();
            else if (data.indexOf('css ') === 0) swapCss(data.slice(4));
          }
          var open = false;
          function connect(deliver) {
            var source = new EventSource(eventsUrl);
            source.onopen = function () { open = true; deliver('connected'); };
            source.onmessage = function (event) { deliver(String(event.data)); };
            source.onerror = function () {
              open = false;
              if (source.readyState === 2) { source.close(); setTimeout(function () { connect(deliver); }, 2000); }
            };
          }
          var channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
          if (!channel || !(navigator.locks && navigator.locks.request)) { connect(handle); return; }
          // One stream for all of this server's tabs: a browser opens at most six HTTP/1.1 connections to a server,
          // and a stream per tab would use them up. The tab holding the lock keeps the stream and passes its events on;
          // when it goes, the next tab waiting for the lock takes over.
          var leader = false;
          channel.onmessage = function (event) {
            if (event.data === 'hello') { if (leader && open) channel.postMessage('connected'); }
            else handle(String(event.data));
          };
          navigator.locks.request(name, function () {
            leader = true;
            return new Promise(function () {
              connect(function (data) { channel.postMessage(data); handle(data); });
            });
          });
          channel.postMessage('hello');
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
