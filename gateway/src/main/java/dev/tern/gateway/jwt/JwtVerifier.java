package dev.tern.gateway.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.net.MalformedURLException;
import java.net.URI;
import com.nimbusds.jose.jwk.Curve;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies JWS-signed JWTs with Nimbus JOSE+JWT: signature by an HMAC secret, a PEM public key (RSA
 * or EC) or a JWKS URL (cached), then {@code exp}/{@code nbf} against an injected clock with a
 * skew, then issuer and audience when configured. Its API has JDK types only and no Vert.x, so the
 * broker's JWT authentication can share it.
 *
 * <p>Threading: immutable and thread-safe. With a JWKS URL, {@link #verify} may block on the first
 * fetch or a refresh: call it off event loops (the gateway uses a worker).
 */
public final class JwtVerifier {
    private static final Set<JWSAlgorithm> HMAC = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

    private final byte[] secret;
    private final JWKSource<SecurityContext> keys;
    private final boolean remote;
    private final Key staticKey;
    private final String issuer;
    private final String audience;
    private final String scopeClaim;
    private final Duration clockSkew;
    private final Clock clock;

    private JwtVerifier(Builder b) {
        this.secret = b.secret;
        this.keys = b.keys;
        this.remote = b.remote;
        this.staticKey = b.staticKey;
        this.issuer = b.issuer;
        this.audience = b.audience;
        this.scopeClaim = b.scopeClaim;
        this.clockSkew = b.clockSkew;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when verification may fetch keys over the network (JWKS URL). */
    public boolean mayBlock() {
        return remote;
    }

    public VerifiedToken verify(String token) throws JwtVerificationException {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new JwtVerificationException(JwtVerificationException.Reason.MALFORMED, "the token is not a signed JWT: " + e.getMessage());
        }
        checkSignature(jwt);
        checkTime(claims);
        if (issuer != null && !issuer.equals(claims.getIssuer())) {
            throw new JwtVerificationException(JwtVerificationException.Reason.WRONG_ISSUER,
                "issuer " + claims.getIssuer() + " is not the expected " + issuer);
        }
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            throw new JwtVerificationException(JwtVerificationException.Reason.WRONG_AUDIENCE,
                "audience " + claims.getAudience() + " does not include " + audience);
        }
        Map<String, Object> all = claims.toJSONObject();
        all.replaceAll((k, v) -> v instanceof Date d ? d.toInstant().getEpochSecond() : v);
        return new VerifiedToken(claims.getSubject(), claims.getIssuer(), scopes(claims.getClaim(scopeClaim)),
            claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant(), all);
    }

    private void checkSignature(SignedJWT jwt) throws JwtVerificationException {
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        try {
            if (secret != null) {
                if (!HMAC.contains(alg)) {
                    throw new JwtVerificationException(JwtVerificationException.Reason.UNSUPPORTED_ALGORITHM,
                        "algorithm " + alg + " is not accepted: this verifier takes HMAC (HS256/384/512)");
                }
                if (!jwt.verify(new MACVerifier(secret))) {
                    throw new JwtVerificationException(JwtVerificationException.Reason.BAD_SIGNATURE, "the signature does not verify");
                }
                return;
            }
            if (HMAC.contains(alg)) {
                // A public key must never be used as an HMAC secret (the classic algorithm-confusion attack).
                throw new JwtVerificationException(JwtVerificationException.Reason.UNSUPPORTED_ALGORITHM,
                    "algorithm " + alg + " is not accepted with public keys");
            }
            List<? extends Key> candidates;
            if (staticKey != null) {
                // one configured key: the token's kid, if any, does not have to name it
                candidates = List.of(staticKey);
            } else try {
                candidates = new JWSVerificationKeySelector<>(alg, keys).selectJWSKeys(header, null);
            } catch (KeySourceException e) {
                throw new JwtVerificationException(JwtVerificationException.Reason.KEY_SOURCE_UNAVAILABLE,
                    "the keys cannot be loaded: " + e.getMessage(), e);
            }
            if (candidates.isEmpty()) {
                throw new JwtVerificationException(JwtVerificationException.Reason.NO_MATCHING_KEY,
                    "no key matches kid " + header.getKeyID() + " and algorithm " + alg);
            }
            DefaultJWSVerifierFactory factory = new DefaultJWSVerifierFactory();
            for (Key k : candidates) {
                JWSVerifier v = factory.createJWSVerifier(header, k);
                if (jwt.verify(v)) {
                    return;
                }
            }
            throw new JwtVerificationException(JwtVerificationException.Reason.BAD_SIGNATURE, "the signature does not verify");
        } catch (JOSEException e) {
            throw new JwtVerificationException(JwtVerificationException.Reason.BAD_SIGNATURE, "the signature cannot be checked: " + e.getMessage(), e);
        }
    }

    private void checkTime(JWTClaimsSet claims) throws JwtVerificationException {
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp != null && now.isAfter(exp.toInstant().plus(clockSkew))) {
            throw new JwtVerificationException(JwtVerificationException.Reason.EXPIRED, "the token expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant().minus(clockSkew))) {
            throw new JwtVerificationException(JwtVerificationException.Reason.NOT_YET_VALID, "the token is not valid before " + nbf.toInstant());
        }
    }

    private static Set<String> scopes(Object claim) {
        Set<String> out = new LinkedHashSet<>();
        if (claim instanceof String s) {
            for (String part : s.trim().split("\\s+")) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
        } else if (claim instanceof List<?> l) {
            l.forEach(v -> out.add(String.valueOf(v)));
        }
        return out;
    }

    /** Exactly one key source: {@link #hmacSecret}, {@link #publicKeyPem} or {@link #jwksUrl}. */
    public static final class Builder {
        private byte[] secret;
        private JWKSource<SecurityContext> keys;
        private boolean remote;
        private Key staticKey;
        private String issuer;
        private String audience;
        private String scopeClaim = "scope";
        private Duration clockSkew = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        public Builder hmacSecret(byte[] v) {
            secret = v.clone();
            return this;
        }

        /** An RSA or EC public key in PEM ({@code -----BEGIN PUBLIC KEY-----}). */
        public Builder publicKeyPem(String pem) {
            String body = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
            byte[] der;
            try {
                der = java.util.Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the PEM public key is not base64", e);
            }
            JWK jwk;
            try {
                java.security.PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
                jwk = new RSAKey.Builder((RSAPublicKey) k).build();
                staticKey = k;
            } catch (GeneralSecurityException notRsa) {
                try {
                    ECPublicKey k = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
                    jwk = new ECKey.Builder(Curve.forECParameterSpec(k.getParams()), k).build();
                    staticKey = k;
                } catch (GeneralSecurityException | RuntimeException notEc) {
                    throw new IllegalArgumentException("the PEM public key is neither RSA nor EC (X.509 SubjectPublicKeyInfo)");
                }
            }
            keys = new ImmutableJWKSet<>(new JWKSet(jwk));
            return this;
        }

        /** Keys from a JWKS document, cached for {@code cacheDuration} and refreshed on an unknown kid. */
        public Builder jwksUrl(String url, Duration cacheDuration) {
            try {
                long ttl = Math.max(1, cacheDuration.toMillis());
                keys = JWKSourceBuilder.create(URI.create(url).toURL())
                    .cache(ttl, Math.min(ttl, 15_000))
                    .rateLimited(false)
                    .build();
                remote = true;
            } catch (MalformedURLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("jwksUrl " + url + " is not a URL", e);
            }
            return this;
        }

        public Builder issuer(String v) { issuer = v; return this; }
        public Builder audience(String v) { audience = v; return this; }
        public Builder scopeClaim(String v) { scopeClaim = Objects.requireNonNull(v); return this; }
        public Builder clockSkew(Duration v) { clockSkew = Objects.requireNonNull(v); return this; }
        public Builder clock(Clock v) { clock = Objects.requireNonNull(v); return this; }

        public JwtVerifier build() {
            if ((secret == null) == (keys == null)) {
                throw new IllegalStateException("set exactly one of hmacSecret, publicKeyPem and jwksUrl");
            }
            return new JwtVerifier(this);
        }
    }
}
