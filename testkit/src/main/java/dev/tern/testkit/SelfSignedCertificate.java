package dev.tern.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;

/**
 * A self-signed certificate for 127.0.0.1 made by {@code openssl} (Debian package, installed by
 * {@code .ci/deps}) in a directory: {@link #cert()} and {@link #key()} in PEM for a broker such as
 * Mosquitto (readable by the user Mosquitto drops to when started as root), and {@link #trustStore()},
 * a PKCS12 store holding the certificate under the password {@link #PASSWORD}, for the client.
 */
public record SelfSignedCertificate(Path cert, Path key, Path trustStore) {
    public static final String PASSWORD = "changeit";

    public static SelfSignedCertificate create(Path dir) throws IOException, InterruptedException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", key.toString(), "-out", cert.toString(),
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
            .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl failed: " + output);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-r--r--"));
        Path trustStore = dir.resolve("trust.p12");
        try (InputStream in = Files.newInputStream(cert); OutputStream out = Files.newOutputStream(trustStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("broker", CertificateFactory.getInstance("X.509").generateCertificate(in));
            ks.store(out, PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the trust store", e);
        }
        return new SelfSignedCertificate(cert, key, trustStore);
    }
}
