using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PSWebServer.Tls;

/// <summary>
/// Turns a <see cref="CertificateSource"/> into a certificate with its private key, and checks it can serve
/// (<see cref="CertificateChecks"/>). Every failure is a <see cref="ServerException"/> whose kind the module maps to
/// an ErrorRecord; it runs before the server binds, so a failed start never leaves a port taken.
/// </summary>
internal static class CertificateLoader
{
    public static X509Certificate2 Load(CertificateSource source, string address, DateTimeOffset now) =>
        Load(source, address, now, out _);

    /// <param name="intermediates">
    /// The other certificates of the file (a PEM fullchain, a PFX with its CA certificates), sent with the leaf in each
    /// handshake so clients that lack the intermediates can still build the chain; empty for the other sources.
    /// </param>
    public static X509Certificate2 Load(CertificateSource source, string address, DateTimeOffset now, out X509Certificate2Collection intermediates)
    {
        intermediates = new X509Certificate2Collection();
        X509Certificate2 certificate = source.Kind switch
        {
            CertificateSourceKind.Certificate => source.Certificate!,
            CertificateSourceKind.File => LoadFile(source.Path!, source.KeyPath, source.Password, intermediates),
            _ => SelfSignedCertificate.Create(address, now),
        };
        CertificateChecks.Check(certificate, Describe(source), now.UtcDateTime);
        return certificate;
    }

    private static string Describe(CertificateSource source) => source.Kind switch
    {
        CertificateSourceKind.File => "The certificate in '" + source.Path + "'",
        CertificateSourceKind.SelfSigned => "The self-signed certificate",
        _ => "The certificate '" + source.Certificate!.Subject + "' (thumbprint " + source.Certificate.Thumbprint + ")",
    };

    private static X509Certificate2 LoadFile(string path, string? keyPath, SecureString? password, X509Certificate2Collection intermediates)
    {
        byte[] data = ReadFile(path, "certificate");
        if (LooksLikePem(data))
        {
            string text = Encoding.ASCII.GetString(data);
            X509Certificate2 leaf = LoadPem(path, text, keyPath, password);
            AddOthers(intermediates, leaf, all => all.ImportFromPem(text));
            return leaf;
        }
        if (keyPath is not null)
        {
            throw new ServerException(ServerErrorKind.CertificateUnreadable,
                $"'{path}' is not a PEM certificate; a separate key file goes with a PEM certificate only (a PFX file holds its own key).");
        }

        X509ContentType type;
        try
        {
            type = X509Certificate2.GetCertContentType(data);
        }
        catch (CryptographicException)
        {
            type = X509ContentType.Unknown;
        }
        if (type == X509ContentType.Cert)
        {
            // A DER certificate alone: readable, but with no key; the checks say so.
            return new X509Certificate2(data);
        }
        if (type != X509ContentType.Pkcs12)
        {
            throw new ServerException(ServerErrorKind.CertificateUnreadable,
                $"'{path}' is neither a PFX/PKCS#12 file nor a PEM certificate.");
        }
        try
        {
            // Not through UsableBySslStream: on Windows KeyStorage already stores the key, and it is not exportable.
            X509Certificate2 leaf = new X509Certificate2(data, password, KeyStorage);
            AddOthers(intermediates, leaf, all => ImportPfx(all, data, password));
            return leaf;
        }
        catch (CryptographicException ex)
        {
            // The content type was read without a password, so the file is PKCS#12: what failed is opening it.
            throw new ServerException(ServerErrorKind.CertificatePasswordInvalid, password is null
                ? $"The PFX file '{path}' is protected by a password: give it with -CertificatePassword."
                : $"The password does not open the PFX file '{path}'.", ex);
        }
    }

    private static X509Certificate2 LoadPem(string path, string text, string? keyPath, SecureString? password)
    {
        string keyText = keyPath is null ? text : Encoding.ASCII.GetString(ReadFile(keyPath, "key"));
        string keyFile = keyPath ?? path;
        if (!text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new ServerException(ServerErrorKind.CertificateUnreadable, $"'{path}' holds no PEM certificate (BEGIN CERTIFICATE).");
        }
        bool hasKey = keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal);
        try
        {
            if (!hasKey)
            {
                if (keyPath is not null)
                {
                    throw new ServerException(ServerErrorKind.CertificateUnreadable, $"The key file '{keyPath}' holds no PEM private key.");
                }
                return X509Certificate2.CreateFromPem(text); // no key: the checks name what is missing
            }
            bool encrypted = keyText.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
            if (!encrypted) return UsableBySslStream(X509Certificate2.CreateFromPem(text, keyText));
            if (password is null)
            {
                throw new ServerException(ServerErrorKind.CertificatePasswordInvalid,
                    $"The private key in '{keyFile}' is encrypted: give its password with -CertificatePassword.");
            }
            return UsableBySslStream(CreateFromEncryptedPem(text, keyText, password));
        }
        catch (CryptographicException ex)
        {
            throw new ServerException(ServerErrorKind.CertificateUnreadable,
                $"The certificate in '{path}' and the key in '{keyFile}' cannot be read together: {ex.Message}", ex);
        }
    }

    /// <summary>Decrypts the key with the password held as briefly as the API allows, then wiped.</summary>
    private static X509Certificate2 CreateFromEncryptedPem(string certificate, string key, SecureString password)
    {
        IntPtr chars = Marshal.SecureStringToGlobalAllocUnicode(password);
        try
        {
            ReadOnlySpan<char> span;
            unsafe
            {
                span = new ReadOnlySpan<char>((void*)chars, password.Length);
            }
            try
            {
                return X509Certificate2.CreateFromEncryptedPem(certificate, key, span);
            }
            catch (CryptographicException ex)
            {
                throw new ServerException(ServerErrorKind.CertificatePasswordInvalid, "The password does not decrypt the private key.", ex);
            }
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(chars);
        }
    }

    /// <summary>The file's certificates other than the leaf; a file whose extra content cannot be read adds none.</summary>
    private static void AddOthers(X509Certificate2Collection intermediates, X509Certificate2 leaf, Action<X509Certificate2Collection> import)
    {
        var all = new X509Certificate2Collection();
        try
        {
            import(all);
        }
        catch (CryptographicException)
        {
            return; // the leaf was read; a chain the platform cannot parse is left for the client to complete
        }
        foreach (X509Certificate2 other in all)
        {
            if (other.Thumbprint != leaf.Thumbprint) intermediates.Add(new X509Certificate2(other.RawData));
            other.Dispose();
        }
    }

    private static unsafe void ImportPfx(X509Certificate2Collection all, byte[] data, SecureString? password)
    {
        if (password is null)
        {
            all.Import(data, (string?)null, KeyStorage);
            return;
        }
        IntPtr chars = Marshal.SecureStringToGlobalAllocUnicode(password);
        try
        {
            all.Import(data, new ReadOnlySpan<char>((void*)chars, password.Length), KeyStorage);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(chars);
        }
    }

    private static byte[] ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ServerException(ServerErrorKind.CertificateNotFound, $"The {what} file '{path}' does not exist.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ServerException(ServerErrorKind.CertificateUnreadable, $"The {what} file '{path}' cannot be read: {ex.Message}", ex);
        }
    }

    private static bool LooksLikePem(byte[] data)
    {
        ReadOnlySpan<byte> text = data;
        if (text.StartsWith("\xEF\xBB\xBF"u8)) text = text.Slice(3);
        return text.Length > 0 && text[0] != 0x30 && text.IndexOf("-----BEGIN "u8) >= 0; // 0x30: a DER SEQUENCE (PFX, DER)
    }

    /// <summary>On Linux keys may stay in memory; Windows' TLS needs a key it can find by name, so there the key is stored.</summary>
    private static X509KeyStorageFlags KeyStorage =>
        OperatingSystem.IsLinux() ? X509KeyStorageFlags.EphemeralKeySet : X509KeyStorageFlags.DefaultKeySet;

    /// <summary>
    /// Keys made or read from PEM in memory are "ephemeral"; Windows' TLS (SChannel) cannot use those, so there the
    /// certificate goes once through PKCS#12 to get a stored key. Elsewhere it is returned as it is.
    /// </summary>
    internal static X509Certificate2 UsableBySslStream(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows()) return certificate;
        using (certificate)
        {
            return new X509Certificate2(certificate.Export(X509ContentType.Pkcs12), (string?)null, X509KeyStorageFlags.DefaultKeySet);
        }
    }
}
