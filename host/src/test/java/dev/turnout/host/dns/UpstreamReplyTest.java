package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UpstreamReplyTest {

    /** An answer of {@code records} A records for big.example.test, id 7, as a server encodes it. */
    private static byte[] answer(int records) throws Exception {
        DefaultDnsResponse r = new DefaultDnsResponse(7, DnsOpCode.QUERY, DnsResponseCode.NOERROR);
        try {
            r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion("big.example.test.", DnsRecordType.A));
            for (int i = 0; i < records; i++) {
                r.addRecord(DnsSection.ANSWER, new AddressRecord("big.example.test.", DnsRecordType.A, 60,
                        Unpooled.wrappedBuffer(new byte[] {(byte) 198, 51, 100, (byte) i})));
            }
            ByteBuf wire = DnsWire.encodeResponse(r);
            try {
                byte[] bytes = new byte[wire.readableBytes()];
                wire.getBytes(wire.readerIndex(), bytes);
                return bytes;
            } finally {
                wire.release();
            }
        } finally {
            r.release();
        }
    }

    private static UpstreamReply parse(byte[] wire) {
        return UpstreamReply.parse(Unpooled.wrappedBuffer(wire), new InetSocketAddress(0), 7, "big.example.test",
                DnsRecordType.A);
    }

    @Test
    void anAnswerCutShortOfTheRecordsItsHeaderCountsIsNoAnswer() throws Exception {
        byte[] whole = answer(300);
        assertEquals(300, parse(whole).addresses().size());
        // A server that cut its UDP answer at 4,096 bytes without setting TC: the counts promise 300 records.
        assertNull(parse(Arrays.copyOf(whole, 4096)));
        byte[] midRecord = Arrays.copyOf(whole, whole.length - 3);
        assertNull(parse(midRecord), "the last record cut short");
    }
}
