package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Record data as miekg/dns prints it after the header, which is what mihomo's /dns/query answers. */
class DnsLookupTest {

    private static String data(DnsRecordType type, byte[] rdata) {
        return DnsLookup.data(new DefaultDnsRawRecord("x.test.", type, 60, Unpooled.wrappedBuffer(rdata)));
    }

    @Test
    void addressesNamesAndTextAreSpelledOut() {
        assertEquals("192.0.2.1", data(DnsRecordType.A, new byte[] {(byte) 192, 0, 2, 1}));
        byte[] v6 = new byte[16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[2] = 0x0d;
        v6[3] = (byte) 0xb8;
        v6[15] = 1;
        assertEquals("2001:db8::1", data(DnsRecordType.AAAA, v6));
        assertEquals("a.example.", data(DnsRecordType.CNAME, "\u0001a\u0007example\u0000".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("\"v=spf1 -all\" \"q\\\"x\"",
                data(DnsRecordType.TXT, "\u000bv=spf1 -all\u0003q\"x".getBytes(StandardCharsets.US_ASCII)));
        DnsRecord ptr = new DefaultDnsPtrRecord("1.2.0.192.in-addr.arpa.", DnsRecord.CLASS_IN, 60, "host.test.");
        assertEquals("host.test.", DnsLookup.data(ptr));
    }

    @Test
    void otherTypesUseTheGenericForm() {
        assertEquals("\\# 3 0a0b0c", data(DnsRecordType.SRV, new byte[] {10, 11, 12}));
        assertEquals("\\# 0", data(DnsRecordType.OPT, new byte[0]));
    }

    @Test
    void typesAreReadByNameAnyCase() {
        assertEquals(DnsRecordType.AAAA, DnsLookup.type("aaaa"));
        assertThrows(IllegalArgumentException.class, () -> DnsLookup.type("NOPE"));
    }
}
