package dev.turnout.host.controller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The controller's {@code secret}. Compared through SHA-256 digests with {@link MessageDigest#isEqual}, so
 * the time taken tells an attacker neither where the first wrong character is nor how long the secret is.
 */
final class Secret {

    private final byte[] digest;

    private Secret(byte[] digest) {
        this.digest = digest;
    }

    /** {@code null} or empty: no secret, everything allowed. */
    static Secret of(String secret) {
        return secret == null || secret.isEmpty() ? null : new Secret(sha256(secret));
    }

    boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    /** Accepts {@code Authorization: Bearer SECRET}, exactly as Clash does. */
    boolean matchesHeader(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        return matches(authorization.substring("Bearer ".length()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
