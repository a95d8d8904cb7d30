package dev.tern.gateway.mqtt;

import dev.tern.gateway.config.Mqtt5EndpointConfig.Store;
import dev.tern.gateway.config.Mqtt5EndpointConfig.StoreType;

import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds trust and key managers from the endpoint's {@code security.ssl} stores: PEM, JKS or
 * PKCS12, by path or by base64 content. PEM keys must be PKCS#8 ({@code BEGIN PRIVATE KEY}, or
 * {@code BEGIN ENCRYPTED PRIVATE KEY} with {@code keyPassword}).
 */
public final class TlsStores {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");
    private static final char[] NO_PASSWORD = new char[0];

    private TlsStores() {
    }

    /** Trust managers from a trust store; a store that cannot be used fails with its JSON path. */
    public static TrustManagerFactory trustManagers(Store s) throws GeneralSecurityException {
        try {
            KeyStore ks;
            if (s.type() == StoreType.PEM) {
                ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                int i = 0;
                for (Certificate c : certificates(text(s.path(), s.content()))) {
                    ks.setCertificateEntry("ca-" + i++, c);
                }
                if (i == 0) {
                    throw new GeneralSecurityException("the PEM trust store holds no certificate");
                }
            } else {
                ks = load(s);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new GeneralSecurityException(s.where() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Key managers from a key store: PEM (one key and its chain), or JKS/PKCS12, where {@code alias}
     * keeps only that key entry (without it, the JVM picks among the entries by the issuers the broker
     * asks for). A store that cannot be used fails with its JSON path.
     */
    public static KeyManagerFactory keyManagers(Store s) throws GeneralSecurityException {
        try {
            KeyStore ks;
            char[] keyPassword;
            if (s.type() == StoreType.PEM) {
                List<Certificate> chain = certificates(text(s.certPath(), s.certContent()));
                if (chain.isEmpty()) {
                    throw new GeneralSecurityException("the PEM key store's certificate holds no certificate");
                }
                PrivateKey key = privateKey(text(s.keyPath(), s.keyContent()), s.keyPassword());
                ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                keyPassword = NO_PASSWORD;
                ks.setKeyEntry("client", key, keyPassword, chain.toArray(new Certificate[0]));
            } else {
                ks = load(s);
                String kp = s.keyPassword() != null ? s.keyPassword() : s.password();
                keyPassword = kp == null ? NO_PASSWORD : kp.toCharArray();
                if (s.alias() != null) {
                    ks = only(ks, s.alias(), keyPassword, s.where());
                }
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, keyPassword);
            return kmf;
        } catch (AliasException e) {
            throw e;
        } catch (GeneralSecurityException | IOException e) {
            throw new GeneralSecurityException(s.where() + ": " + e.getMessage(), e);
        }
    }

    /** An unknown alias: its message names the alias's own JSON path already. */
    private static final class AliasException extends GeneralSecurityException {
        AliasException(String message) {
            super(message);
        }
    }

    /** A key store holding only the key entry {@code alias} of {@code ks}, so that entry is the one presented. */
    private static KeyStore only(KeyStore ks, String alias, char[] keyPassword, String where)
        throws GeneralSecurityException, IOException {
        if (!ks.isKeyEntry(alias)) {
            List<String> keys = new ArrayList<>();
            for (String a : java.util.Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(a)) {
                    keys.add(a);
                }
            }
            throw new AliasException(where + ".alias: = " + alias + ": the key store has no key entry by that name"
                + (ks.containsAlias(alias) ? " (it is a certificate entry)" : "") + "; its key entries: "
                + (keys.isEmpty() ? "none" : String.join(", ", keys)));
        }
        KeyStore one = KeyStore.getInstance(KeyStore.getDefaultType());
        one.load(null, null);
        one.setKeyEntry(alias, ks.getKey(alias, keyPassword), keyPassword, ks.getCertificateChain(alias));
        return one;
    }

    private static KeyStore load(Store s) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance(s.type() == StoreType.JKS ? "JKS" : "PKCS12");
        ks.load(new ByteArrayInputStream(bytes(s.path(), s.content())), s.password() == null ? null : s.password().toCharArray());
        return ks;
    }

    private static byte[] bytes(String path, String base64) throws IOException {
        return path != null ? Files.readAllBytes(Path.of(path)) : Base64.getMimeDecoder().decode(base64);
    }

    private static String text(String path, String base64) throws IOException {
        // by content, the reference takes the PEM file base64-encoded
        return new String(bytes(path, base64), StandardCharsets.US_ASCII);
    }

    private static List<Certificate> certificates(String pem) throws GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<Certificate> out = new ArrayList<>();
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            if (m.group(1).equals("CERTIFICATE")) {
                out.add(cf.generateCertificate(new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(2)))));
            }
        }
        return out;
    }

    private static PrivateKey privateKey(String pem, String password) throws GeneralSecurityException, IOException {
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            KeySpec spec;
            switch (m.group(1)) {
                case "PRIVATE KEY" -> spec = new PKCS8EncodedKeySpec(der);
                case "ENCRYPTED PRIVATE KEY" -> {
                    if (password == null) {
                        throw new GeneralSecurityException("the PEM key is encrypted: set keyPassword");
                    }
                    EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
                    SecretKeyFactory f = SecretKeyFactory.getInstance(info.getAlgName());
                    spec = info.getKeySpec(f.generateSecret(new PBEKeySpec(password.toCharArray())));
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new GeneralSecurityException(
                    "PKCS#1/SEC1 PEM keys are not read: convert with `openssl pkcs8 -topk8 -nocrypt`");
                default -> {
                    continue;
                }
            }
            for (String alg : List.of("RSA", "EC", "Ed25519", "EdDSA")) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(spec);
                } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                    // try the next algorithm
                }
            }
            throw new GeneralSecurityException("the PEM private key is neither RSA, EC nor EdDSA");
        }
        throw new GeneralSecurityException("no PEM private key found");
    }
}
