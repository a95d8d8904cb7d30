package dev.tern.gateway.jwt;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The claims of a token whose signature and time window were checked. Only JDK types, so any part
 * of Tern (gateway plans, the broker's JWT authentication) can use it.
 *
 * @param expiresAt null when the token has no {@code exp}
 */
public record VerifiedToken(String subject, String issuer, Set<String> scopes, Instant expiresAt, Map<String, Object> claims) {

    public VerifiedToken {
        scopes = Set.copyOf(scopes);
        claims = Map.copyOf(claims);
    }

    /** A claim as a string: strings as they are, numbers and booleans in their text form, lists joined by spaces. */
    public Optional<String> claim(String name) {
        Object v = claims.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof List<?> l) {
            return Optional.of(String.join(" ", l.stream().map(String::valueOf).toList()));
        }
        return Optional.of(String.valueOf(v));
    }
}
