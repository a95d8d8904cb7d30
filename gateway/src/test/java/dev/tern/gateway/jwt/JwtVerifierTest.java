package dev.tern.gateway.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JwtVerifierTest {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    static String hs256(JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(SECRET));
        return jwt.serialize();
    }

    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().subject("tenant-1").issuer("https://idp").audience("tern")
            .expirationTime(Date.from(NOW.plusSeconds(300))).claim("scope", "read write");
    }

    static JwtVerifier hmac() {
        return JwtVerifier.builder().hmacSecret(SECRET).issuer("https://idp").audience("tern").clock(CLOCK).build();
    }

    @Test
    void aGoodHmacTokenGivesItsClaims() throws Exception {
        VerifiedToken t = hmac().verify(hs256(claims().claim("mqttScope", List.of("r1", "r2")).build()));
        assertThat(t.subject()).isEqualTo("tenant-1");
        assertThat(t.scopes()).containsExactlyInAnyOrder("read", "write");
        assertThat(t.expiresAt()).isEqualTo(NOW.plusSeconds(300));
        assertThat(t.claim("mqttScope")).contains("r1 r2");
        assertThat(hmac().mayBlock()).isFalse();
    }

    @Test
    void expiryAndNotBeforeUseTheInjectedClockWithSkew() throws Exception {
        String expired = hs256(claims().expirationTime(Date.from(NOW.minusSeconds(61))).build());
        assertThatThrownBy(() -> hmac().verify(expired)).isInstanceOf(JwtVerificationException.class)
            .satisfies(e -> assertThat(((JwtVerificationException) e).reason()).isEqualTo(JwtVerificationException.Reason.EXPIRED));
        String withinSkew = hs256(claims().expirationTime(Date.from(NOW.minusSeconds(30))).build());
        assertThat(hmac().verify(withinSkew).subject()).isEqualTo("tenant-1");
        String early = hs256(claims().notBeforeTime(Date.from(NOW.plusSeconds(120))).build());
        assertThatThrownBy(() -> hmac().verify(early))
            .satisfies(e -> assertThat(((JwtVerificationException) e).reason()).isEqualTo(JwtVerificationException.Reason.NOT_YET_VALID));
        JwtVerifier strict = JwtVerifier.builder().hmacSecret(SECRET).clock(CLOCK).clockSkew(Duration.ZERO).build();
        assertThatThrownBy(() -> strict.verify(withinSkew)).isInstanceOf(JwtVerificationException.class);
    }

    @Test
    void issuerAudienceSignatureAndShapeAreChecked() throws Exception {
        assertThatThrownBy(() -> hmac().verify(hs256(claims().issuer("https://evil").build())))
            .satisfies(e -> assertThat(((JwtVerificationException) e).reason()).isEqualTo(JwtVerificationException.Reason.WRONG_ISSUER));
        assertThatThrownBy(() -> hmac().verify(hs256(claims().audience("other").build())))
            .satisfies(e -> assertThat(((JwtVerificationException) e).reason()).isEqualTo(JwtVerificationException.Reason.WRONG_AUDIENCE));
        String good = hs256(claims().build());
        String tampered = good.substring(0, good.lastIndexOf('.') + 1) + Base64.getUrlEncoder().withoutPadding()
            .encodeToString(new byte[32]);
        assertThatThrownBy(() -> hmac().verify(tampered))
            .satisfies(e -> assertThat(((JwtVerificationException) e).reason()).isEqualTo(JwtVerificationException.Reason.BAD_SIGNATURE));
        assertThatThrownBy(() -> hmac().verify("not.a.jwt"))
            .satisfies(e -> assertThat(((JwtVerificationException) e).reason()).isEqualTo(JwtVerificationException.Reason.MALFORMED));
    }

    @Test
    void aPublicKeyVerifiesRs256AndRefusesHmacConfusion() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("k1").generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(rsa.toRSAPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        JwtVerifier v = JwtVerifier.builder().publicKeyPem(pem).clock(CLOCK).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims().build());
        jwt.sign(new RSASSASigner(rsa));
        assertThat(v.verify(jwt.serialize()).subject()).isEqualTo("tenant-1");
        // an HS256 token "signed" with the public key as secret must not pass
        SignedJWT confused = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
        confused.sign(new MACSigner(rsa.toRSAPublicKey().getEncoded()));
        assertThatThrownBy(() -> v.verify(confused.serialize()))
            .satisfies(e -> assertThat(((JwtVerificationException) e).reason()).isEqualTo(JwtVerificationException.Reason.UNSUPPORTED_ALGORITHM));
        RSAKey other = new RSAKeyGenerator(2048).generate();
        SignedJWT foreign = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims().build());
        foreign.sign(new RSASSASigner(other));
        assertThatThrownBy(() -> v.verify(foreign.serialize())).isInstanceOf(JwtVerificationException.class);
    }

    @Test
    void exactlyOneKeySourceIsRequired() {
        assertThatThrownBy(() -> JwtVerifier.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> JwtVerifier.builder().publicKeyPem("garbage")).isInstanceOf(IllegalArgumentException.class);
    }
}
