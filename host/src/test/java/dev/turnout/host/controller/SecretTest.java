package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecretTest {

    @Test
    void acceptsOnlyTheExactBearerToken() {
        Secret s = Secret.of("s3cret");
        assertTrue(s.matchesHeader("Bearer s3cret"));
        assertFalse(s.matchesHeader("Bearer s3cret "));
        assertFalse(s.matchesHeader("bearer s3cret"));
        assertFalse(s.matchesHeader("Basic s3cret"));
        assertFalse(s.matchesHeader("Bearer s3cre"));
        assertFalse(s.matchesHeader(null));
        assertTrue(s.matches("s3cret"));
        assertFalse(s.matches(""));
    }

    @Test
    void emptySecretMeansNone() {
        assertNull(Secret.of(""));
        assertNull(Secret.of(null));
    }

    @Test
    void nonLoopbackAddressesAreRecognised() {
        assertTrue(ControllerAddress.isLoopback(ControllerAddress.parse("127.0.0.1:9090")));
        assertTrue(ControllerAddress.isLoopback(ControllerAddress.parse("[::1]:9090")));
        assertFalse(ControllerAddress.isLoopback(ControllerAddress.parse(":9090")));
        assertFalse(ControllerAddress.isLoopback(ControllerAddress.parse("0.0.0.0:9090")));
        assertFalse(ControllerAddress.isLoopback(ControllerAddress.parse("192.0.2.1:9090")));
    }
}
