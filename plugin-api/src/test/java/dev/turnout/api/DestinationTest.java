package dev.turnout.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DestinationTest {

    @Test
    void aNameIsKeptLowerCaseWithoutItsTrailingDot() {
        assertEquals("example.com:443", Destination.ofHost("Example.COM.", 443).toString());
        assertEquals("例子.测试", Destination.ofHost("例子.测试", 80).host(), "a name not yet in punycode passes");
    }

    @Test
    void aNameWithALineBreakOrAnEscapeIsRefused() {
        IllegalArgumentException lines = assertThrows(IllegalArgumentException.class,
                () -> Destination.ofHost("loc\r\n2026-12-06T13:25:11.736 INFO  route [TCP] forged", 80));
        assertEquals("a control character (U+000D) in host 'loc??2026-12-06T13:25:11.736 INFO  route [TCP] forged'",
                lines.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u001b[2Jb.example", 80));
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u0000b", 80));
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u007fb", 80));
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u009bb", 80), "C1's escape too");
    }
}
