package dev.turnout.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * mihomo's mrs rule-set files (rules/provider/mrs_reader.go) at their edges: the reserved extra block is skipped
 * whatever it holds, whole address spaces come back as /0, and each kind of damage is named.
 */
class MrsFileEdgesTest {

    /** magic, behavior, count, an extra block of {@code extra}, then the body. */
    private static byte[] file(int behavior, byte[] extra, byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(out)) {
            d.write(new byte[] {'M', 'R', 'S', 1});
            d.writeByte(behavior);
            d.writeLong(1);
            d.writeLong(extra.length);
            d.write(extra);
            d.write(body);
        }
        return MrsWriter.zstd(out.toByteArray());
    }

    private static byte[] range(String from, String to) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 32).put((byte) 1).putLong(1);
        for (String a : new String[] {from, to}) {
            byte[] raw = InetAddress.getByName(a).getAddress();
            if (raw.length == 4) {
                b.put(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1});
            }
            b.put(raw);
        }
        return b.array();
    }

    private static String refusal(byte[] file, Behavior behavior) {
        return assertThrows(IOException.class, () -> MrsReader.read(file, behavior, "x.mrs")).getMessage();
    }

    @Test
    void theReservedExtraBlockIsSkippedWhateverItHolds() throws Exception {
        byte[] extra = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        assertEquals(List.of("a.cn", "b.cn", ".b.cn"), MrsReader.read(file(0, extra,
                MrsWriter.domainBody(List.of("a.cn", "+.b.cn"))), Behavior.DOMAIN, "d"));
        assertEquals(List.of("192.0.2.0/24"), MrsReader.read(file(1, extra,
                MrsWriter.cidrBody(List.of("192.0.2.0/24"))), Behavior.IPCIDR, "c"));
    }

    @Test
    void wholeAddressSpacesAndSingleAddressesComeBackAsOnePrefix() throws Exception {
        assertEquals(List.of("0.0.0.0/0"), MrsReader.read(file(1, new byte[0],
                range("0.0.0.0", "255.255.255.255")), Behavior.IPCIDR, "c"));
        assertEquals(List.of("0:0:0:0:0:0:0:0/0"), MrsReader.read(file(1, new byte[0],
                range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), Behavior.IPCIDR, "c"));
        assertEquals(List.of("0.0.0.0/32"), MrsReader.read(file(1, new byte[0],
                range("0.0.0.0", "0.0.0.0")), Behavior.IPCIDR, "c"));
        assertEquals(List.of("0.0.0.0/31", "0.0.0.2/32"), MrsReader.read(file(1, new byte[0],
                range("0.0.0.0", "0.0.0.2")), Behavior.IPCIDR, "c"));
        assertEquals(List.of("128.0.0.0/1"), MrsReader.read(file(1, new byte[0],
                range("128.0.0.0", "255.255.255.255")), Behavior.IPCIDR, "c"));
    }

    @Test
    void eachKindOfDamageIsNamed() throws Exception {
        byte[] cidr = MrsWriter.cidrBody(List.of("192.0.2.0/24"));
        assertEquals("the file holds a behavior 7 rule set, but the provider says behavior: ipcidr",
                refusal(file(7, new byte[0], cidr), Behavior.IPCIDR));
        assertEquals("the file holds a domain rule set, but the provider says behavior: ipcidr",
                refusal(file(0, new byte[0], cidr), Behavior.IPCIDR));
        assertEquals("format mrs holds only domain or ipcidr rule sets (as in mihomo), not classical",
                refusal(file(1, new byte[0], cidr), Behavior.CLASSICAL));
        byte[] v2 = cidr.clone();
        v2[0] = 2;
        assertEquals("unknown CIDR set version", refusal(file(1, new byte[0], v2), Behavior.IPCIDR));
        byte[] d2 = MrsWriter.domainBody(List.of("a.cn"));
        d2[0] = 0;
        assertEquals("unknown domain set version", refusal(file(0, new byte[0], d2), Behavior.DOMAIN));
        byte[] none = ByteBuffer.allocate(9).put((byte) 1).putLong(0).array();
        assertEquals("bad length 0", refusal(file(1, new byte[0], none), Behavior.IPCIDR));
        byte[] huge = ByteBuffer.allocate(9).put((byte) 1).putLong(64L * 1024 * 1024 / 32 + 1).array();
        assertEquals("bad length 2097153", refusal(file(1, new byte[0], huge), Behavior.IPCIDR));
        assertEquals("truncated MRS file x.mrs", refusal(file(1, new byte[0],
                ByteBuffer.allocate(9).put((byte) 1).putLong(1).array()), Behavior.IPCIDR));
        assertEquals("CIDR set: range 0 mixes IPv4 and IPv6", refusal(file(1, new byte[0],
                range("192.0.2.0", "2001:db8::")), Behavior.IPCIDR));
        assertEquals("CIDR set: range 0 mixes IPv4 and IPv6", refusal(file(1, new byte[0],
                range("2001:db8::", "192.0.2.0")), Behavior.IPCIDR));
        assertEquals("CIDR set: range 0 ends before it starts", refusal(file(1, new byte[0],
                range("192.0.2.9", "192.0.2.8")), Behavior.IPCIDR));
        ByteArrayOutputStream negative = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(negative)) {
            d.write(new byte[] {'M', 'R', 'S', 1, 1});
            d.writeLong(1);
            d.writeLong(-1);
            d.write(cidr);
        }
        assertEquals("bad extra length -1", refusal(MrsWriter.zstd(negative.toByteArray()), Behavior.IPCIDR));
        byte[] notMrs = MrsWriter.zstd(new byte[] {'M', 'R', 'S', 2, 1});
        assertEquals("not an MRS v1 rule set (it does not start with MRS\\1 once decompressed)",
                refusal(notMrs, Behavior.IPCIDR));
    }
}
