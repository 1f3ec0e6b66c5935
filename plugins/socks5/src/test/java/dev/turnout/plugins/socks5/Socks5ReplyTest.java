package dev.turnout.plugins.socks5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.turnout.api.RejectedException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** How a failure reply is named: two hex digits whatever the code, and "not allowed" as a refusal. */
class Socks5ReplyTest {

    @Test
    void codesAreWrittenWithTwoHexDigits() {
        assertEquals("SOCKS5 server s answered CONNECT x with 0x0f (unassigned reply code)",
                Socks5Reply.failure(0x0f, "s", "CONNECT x").getMessage());
        assertEquals("SOCKS5 server s answered CONNECT x with 0x10 (unassigned reply code)",
                Socks5Reply.failure(0x10, "s", "CONNECT x").getMessage());
    }

    @Test
    void notAllowedIsARefusalAndOtherCodesAreFailedConnections() {
        assertInstanceOf(RejectedException.class, Socks5Reply.failure(0x02, "s", "CONNECT x"));
        assertInstanceOf(IOException.class, Socks5Reply.failure(0x01, "s", "CONNECT x"));
        assertEquals(IOException.class, Socks5Reply.failure(0x03, "s", "CONNECT x").getClass());
    }
}
