package dev.turnout.host.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpRequestHeadTest {

    private static SniffResult read(String head) {
        return HttpRequestHead.host(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
    }

    @Test
    void theHostHeaderNamesTheFlowWithoutItsPort() {
        assertEquals(SniffResult.found("web.example.test"),
                read("GET /x HTTP/1.1\r\nUser-Agent: curl\r\nHOST:  Web.Example.test:8080 \r\nAccept: */*\r\n\r\n"));
        assertEquals(SniffResult.found("a.test"), read("POST / HTTP/1.0\r\nhost: a.test\r\n"));
    }

    @Test
    void bareLineFeedsAndALowerCaseMethodAreReadAsMihomosSnifferReadsThem() {
        assertEquals(SniffResult.found("lf.test"), read("GET / HTTP/1.1\nAccept: */*\nHost: lf.test\n\n"));
        assertEquals(SniffResult.found("lower.test"), read("get / HTTP/1.1\r\nHost: lower.test\r\n\r\n"));
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\nAccept: */*\n\nHost: late.test\n"), "after the head");
    }

    @Test
    void everyPrefixBeforeTheHostLineEndsAsksForMore() {
        String head = "GET / HTTP/1.1\r\nAccept: */*\r\nHost: slow.example.test\r\n\r\n";
        int found = head.indexOf("\r\n", head.indexOf("Host:")) + 2;
        for (int n = 0; n < found; n++) {
            assertEquals(SniffResult.MORE, read(head.substring(0, n)), "after " + n + " bytes");
        }
        assertEquals(SniffResult.found("slow.example.test"), read(head.substring(0, found)));
    }

    @Test
    void otherProtocolsAHeadWithoutHostAndAddressesGiveNone() {
        assertEquals(SniffResult.NONE, read("SSH-2.0-OpenSSH_9.2\r\n"));
        assertEquals(SniffResult.NONE, read("\u0016\u0003\u0001\u0002\u0000"));
        assertEquals(SniffResult.NONE, read("BREW /pot HTTP/1.1\r\nHost: a.test\r\n\r\n"));
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\r\nAccept: */*\r\n\r\nHost: late.test\r\n"));
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\r\nHost: 203.0.113.5:80\r\n\r\n"));
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n"));
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\r\nHost: a b.test\r\n\r\n"));
        // Names that end in a number: no flow may go there, and routing by one threw out of the sniffer's listener.
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\r\nHost: 0xcb.0.113.5\r\n\r\n"));
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\r\nHost: example.123\r\n\r\n"));
    }

    @Test
    void aHeadLongerThanTheLimitIsNotWaitedFor() {
        String longHeader = "X-Pad: " + "a".repeat(HttpRequestHead.MAX_LENGTH) + "\r\n";
        assertEquals(SniffResult.NONE, read("GET / HTTP/1.1\r\n" + longHeader));
    }
}
