package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rule providers written in the config ({@code type: inline}) and in mihomo's binary format ({@code format: mrs}).
 * The two .mrs fixtures were made outside Turnout: their bytes written from mihomo's source field by field (as
 * {@link #domainSpec} and {@link #cidrSpec} spell them) and compressed with the zstd 1.5.4 command line tool.
 */
class InlineAndMrsProvidersTest {

    private static final Origin DECLARED = new Origin("config.yaml", 3, 3);

    /**
     * {@code a.cn} and {@code +.b.cn}: mihomo's trie holds a.cn, b.cn and +.b.cn; reversed and sorted they are
     * nc.a, nc.b, nc.b.+, whose breadth-first trie has nodes 0..7 (leaves 4, 5, 7: bits 0xB0), labels
     * "nc.ab.+", and a bitmap with a 0 per label and a 1 closing each node: 0 1 0 1 0 1 0 0 1 1 0 1 0 1 1, read
     * from bit 0 up: 0x6B2A.
     */
    private static byte[] domainSpec() {
        return ByteBuffer.allocate(4 + 1 + 8 + 8 + 1 + 8 + 8 + 8 + 8 + 8 + 7)
                .put(new byte[] {'M', 'R', 'S', 1}).put((byte) 0).putLong(2).putLong(0) // magic, domain, count, extra
                .put((byte) 1).putLong(1).putLong(0xB0L).putLong(1).putLong(0x6B2AL) // version, leaves, bitmap
                .putLong(7).put("nc.ab.+".getBytes(StandardCharsets.US_ASCII)).array();
    }

    /** 192.0.2.0/24 and 2001:db8::/32 as mihomo's ranges of 16-byte addresses (IPv4 as ::ffff:a.b.c.d). */
    private static byte[] cidrSpec() {
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 8 + 1 + 8 + 4 * 16)
                .put(new byte[] {'M', 'R', 'S', 1}).put((byte) 1).putLong(2).putLong(0).put((byte) 1).putLong(2);
        b.put(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, (byte) 192, 0, 2, 0});
        b.put(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, (byte) 192, 0, 2, (byte) 255});
        b.put(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        byte[] last = new byte[16];
        java.util.Arrays.fill(last, (byte) 0xff);
        last[0] = 0x20;
        last[1] = 0x01;
        last[2] = 0x0d;
        last[3] = (byte) 0xb8;
        return b.put(last).array();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = InlineAndMrsProvidersTest.class.getResourceAsStream("mrs/" + name)) {
            return in.readAllBytes();
        }
    }

    private static byte[] unzstd(byte[] bytes) throws IOException {
        try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(bytes))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    @Test
    void theFixturesAreTheSpecBytesAndTheTestWriterWritesTheSame() throws Exception {
        assertArrayEquals(domainSpec(), unzstd(resource("domain.mrs")));
        assertArrayEquals(cidrSpec(), unzstd(resource("ipcidr.mrs")));
        assertArrayEquals(domainSpec(), MrsWriter.plain(0, 2, MrsWriter.domainBody(List.of("a.cn", "+.b.cn"))));
        assertArrayEquals(cidrSpec(), MrsWriter.plain(1, 2, MrsWriter.cidrBody(List.of("192.0.2.0/24",
                "2001:db8::/32"))));
    }

    @Test
    void anMrsDomainSetReadsBackToItsEntriesAndMatchesAsTheTextList() throws Exception {
        assertEquals(List.of("a.cn", "b.cn", ".b.cn"), MrsReader.read(resource("domain.mrs"), Behavior.DOMAIN, "d"));
        ProviderSource mrs = ProviderSource.mrs("cn", Behavior.DOMAIN, resource("domain.mrs"), "cn.mrs", DECLARED);
        RuleSet s = compile(Map.of("cn", mrs), "RULE-SET,cn,PROXY");
        assertEquals(0, s.decide(domain("a.cn"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("x.a.cn"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("b.cn"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("x.y.b.cn"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("c.cn"), NameResolver.NONE).index());
    }

    @Test
    void anMrsCidrSetReadsBackToItsPrefixes() throws Exception {
        assertEquals(List.of("192.0.2.0/24", "2001:db8:0:0:0:0:0:0/32"),
                MrsReader.read(resource("ipcidr.mrs"), Behavior.IPCIDR, "c"));
        ProviderSource mrs = ProviderSource.mrs("c", Behavior.IPCIDR, resource("ipcidr.mrs"), "c.mrs", DECLARED);
        RuleSet s = compile(Map.of("c", mrs), "RULE-SET,c,PROXY");
        assertEquals(0, s.decide(ip("192.0.2.77"), NameResolver.NONE).index());
        assertEquals(0, s.decide(ip("2001:db8:ab::1"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("198.51.100.1"), NameResolver.NONE).index());
        assertTrue(s.mayResolve());
        // A range that is not one prefix becomes the prefixes that cover it exactly.
        byte[] range = MrsWriter.zstd(MrsWriter.plain(1, 1, cidrRange("192.0.2.1", "192.0.2.6")));
        assertEquals(List.of("192.0.2.1/32", "192.0.2.2/31", "192.0.2.4/31", "192.0.2.6/32"),
                MrsReader.read(range, Behavior.IPCIDR, "r"));
    }

    private static byte[] cidrRange(String from, String to) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 32).put((byte) 1).putLong(1);
        for (String a : new String[] {from, to}) {
            b.put(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1}).put(java.net.InetAddress.getByName(a).getAddress());
        }
        return b.array();
    }

    @Test
    void badMrsFilesAreRefusedNamingTheFile() throws Exception {
        ProviderSource wrongBehavior = ProviderSource.mrs("c", Behavior.DOMAIN, resource("ipcidr.mrs"), "c.mrs",
                DECLARED);
        RuleException e = assertThrows(RuleException.class, () -> compile(Map.of("c", wrongBehavior),
                "RULE-SET,c,PROXY"));
        assertEquals("c.mrs: provider 'c': bad mrs file: the file holds a ipcidr rule set, but the provider says "
                + "behavior: domain", e.getMessage());
        byte[] cut = java.util.Arrays.copyOf(MrsWriter.zstd(domainSpec()), 20);
        RuleException truncated = assertThrows(RuleException.class, () -> compile(Map.of("d",
                ProviderSource.mrs("d", Behavior.DOMAIN, cut, "d.mrs", DECLARED)), "RULE-SET,d,PROXY"));
        assertTrue(truncated.getMessage().startsWith("d.mrs: provider 'd': bad mrs file: "), truncated.getMessage());
        byte[] text = "payload:\n  - a.cn\n".getBytes(StandardCharsets.UTF_8);
        RuleException notZstd = assertThrows(RuleException.class, () -> compile(Map.of("t",
                ProviderSource.mrs("t", Behavior.DOMAIN, text, "t.mrs", DECLARED)), "RULE-SET,t,PROXY"));
        assertTrue(notZstd.getMessage().startsWith("t.mrs: provider 't': bad mrs file: "), notZstd.getMessage());
    }

    @Test
    void aSmallFileThatDecompressesBeyondTheBoundIsRefused() {
        // A domain set claiming 64 MiB of leaf words, all zeros: they compress to a few kilobytes.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var z = new io.airlift.compress.zstd.ZstdOutputStream(out)) {
            z.write(new byte[] {'M', 'R', 'S', 1, 0});
            z.write(ByteBuffer.allocate(25).putLong(1).putLong(0).put((byte) 1).putLong(8L * 1024 * 1024).array());
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 66; i++) {
                z.write(zeros);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertTrue(out.size() < 1 << 20, "compressed " + out.size());
        IOException e = assertThrows(IOException.class, () -> MrsReader.read(out.toByteArray(), Behavior.DOMAIN, "z"));
        assertTrue(e.getMessage().contains("decompressed"), e.getMessage());
    }

    @Test
    void inlineEntriesMatchAndTheirErrorsNameTheirOwnLineInTheConfig() throws Exception {
        List<RuleLine> payload = List.of(new RuleLine(".blogger.com", new Origin("config.yaml", 20, 9)),
                new RuleLine("*.*.microsoft.com", new Origin("config.yaml", 21, 9)),
                new RuleLine("books.itunes.apple.com", new Origin("config.yaml", 22, 9)));
        RuleSet s = compile(Map.of("rule4", ProviderSource.inline("rule4", Behavior.DOMAIN, payload, DECLARED)),
                "RULE-SET,rule4,PROXY");
        assertEquals(0, s.decide(domain("www.blogger.com"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("blogger.com"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("a.b.microsoft.com"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("books.itunes.apple.com"), NameResolver.NONE).index());
        List<RuleLine> bad = List.of(new RuleLine("DOMAIN-SUFFIX,ok.test", new Origin("config.yaml", 30, 9)),
                new RuleLine("IP-CIDR,300.0.0.0/8", new Origin("config.yaml", 31, 9)));
        RuleSet e = compile(Map.of("c", ProviderSource.inline("c", Behavior.CLASSICAL, bad, DECLARED)),
                "RULE-SET,c,PROXY");
        assertTrue(e.warnings().get(0).startsWith("config.yaml:31:17: bad CIDR"), e.warnings().toString());
    }
}
