package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    @Test
    void fullSumMatchesTextbookChecksumForOddAndEvenLengths() {
        Random r = new Random(1);
        for (int i = 0; i < 2000; i++) {
            byte[] data = new byte[r.nextInt(200)];
            r.nextBytes(data);
            int off = data.length == 0 ? 0 : r.nextInt(data.length);
            int len = data.length - off;
            assertEquals(TestPackets.naiveChecksum(data, off, len, 0),
                    Checksum.finish(Checksum.sum(ByteBuffer.wrap(data), off, len, 0)), "length " + len);
        }
    }

    @Test
    void incrementalAddressAndPortRewriteEqualsFullRecomputeIpv4() throws Exception {
        Random r = new Random(2);
        for (int i = 0; i < 5000; i++) {
            byte[] payload = new byte[r.nextInt(100)];
            r.nextBytes(payload);
            byte[] p = TestPackets.tcp(randomV4(r), r.nextInt(65536), randomV4(r), r.nextInt(65536), r.nextInt(64), payload);
            ByteBuffer b = ByteBuffer.wrap(p);
            int src = b.getInt(12);
            int dst = b.getInt(16);
            int sp = b.getShort(20) & 0xFFFF;
            int dp = b.getShort(22) & 0xFFFF;
            int nsrc = r.nextInt();
            int ndst = r.nextInt();
            int nsp = r.nextInt(65536);
            int ndp = r.nextInt(65536);
            long ipDelta = Checksum.delta32(Checksum.delta32(0, src, nsrc), dst, ndst);
            long tcpDelta = Checksum.delta16(Checksum.delta16(ipDelta, sp, nsp), dp, ndp);
            b.putInt(12, nsrc).putInt(16, ndst).putShort(20, (short) nsp).putShort(22, (short) ndp);
            b.putShort(10, (short) Checksum.apply(b.getShort(10) & 0xFFFF, ipDelta));
            b.putShort(36, (short) Checksum.apply(b.getShort(36) & 0xFFFF, tcpDelta));
            int ipIncremental = b.getShort(10) & 0xFFFF;
            int tcpIncremental = b.getShort(36) & 0xFFFF;
            byte[] full = p.clone();
            TestPackets.fixChecksums(full, 16);
            ByteBuffer f = ByteBuffer.wrap(full);
            assertEquals(f.getShort(10) & 0xFFFF, ipIncremental, "IP header checksum, packet " + i);
            assertEquals(f.getShort(36) & 0xFFFF, tcpIncremental, "TCP checksum, packet " + i);
        }
    }

    @Test
    void incrementalRewriteEqualsFullRecomputeIpv6() throws Exception {
        Random r = new Random(3);
        for (int i = 0; i < 3000; i++) {
            byte[] payload = new byte[r.nextInt(100)];
            r.nextBytes(payload);
            byte[] p = TestPackets.tcp(randomV6(r), r.nextInt(65536), randomV6(r), r.nextInt(65536), r.nextInt(64), payload);
            ByteBuffer b = ByteBuffer.wrap(p);
            long delta = 0;
            for (int off = 8; off < 40; off += 8) {
                long old = b.getLong(off);
                long now = r.nextLong();
                delta = Checksum.delta64(delta, old, now);
                b.putLong(off, now);
            }
            int nsp = r.nextInt(65536);
            delta = Checksum.delta16(delta, b.getShort(40) & 0xFFFF, nsp);
            b.putShort(40, (short) nsp);
            b.putShort(56, (short) Checksum.apply(b.getShort(56) & 0xFFFF, delta));
            assertTrue(TestPackets.checksumsValid(p), "packet " + i);
        }
    }

    private static InetAddress randomV4(Random r) throws Exception {
        byte[] a = new byte[4];
        r.nextBytes(a);
        return InetAddress.getByAddress(a);
    }

    private static InetAddress randomV6(Random r) throws Exception {
        byte[] a = new byte[16];
        r.nextBytes(a);
        return InetAddress.getByAddress(a);
    }
}
