package dev.turnout.host.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.Locale;

/**
 * Bounded UDP load generator for {@code bench/dns.sh}: one thread keeps {@code window} A queries in flight
 * against a server for {@code seconds}, over {@code names} distinct names, and prints answers per second and
 * latency percentiles. Queries unanswered after one second count as lost.
 * The first {@code warmup} seconds are run but not counted (JIT compilation on both sides).
 * Usage: {@code DnsLoad <host> <port> <seconds> <window> <names> [warmupSeconds]}.
 */
public final class DnsLoad {

    private static final long LOST_AFTER_NANOS = 1_000_000_000L;
    private static final int MAX_MICROS = 100_000;

    private DnsLoad() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long seconds = Long.parseLong(args[2]);
        int window = Integer.parseInt(args[3]);
        int names = Integer.parseInt(args[4]);
        long warmup = args.length > 5 ? Long.parseLong(args[5]) : 0;
        byte[][] queries = new byte[names][];
        for (int i = 0; i < names; i++) {
            queries[i] = DnsTestMessages.query(0, "n" + i + ".bench.example", DnsRecordType.A);
        }
        long[] sentAt = new long[65536];
        long[] histogram = new long[MAX_MICROS + 1];
        long answered = 0;
        long lost = 0;
        int inFlight = 0;
        int nextId = 0;
        int nextName = 0;
        ByteBuffer rx = ByteBuffer.allocateDirect(4096);
        ByteBuffer tx = ByteBuffer.allocateDirect(4096);
        try (DatagramChannel ch = DatagramChannel.open(); Selector sel = Selector.open()) {
            ch.connect(server);
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            long start = System.nanoTime() + warmup * 1_000_000_000L;
            long end = start + seconds * 1_000_000_000L;
            boolean counting = warmup == 0;
            long nextSweep = start + 100_000_000L;
            while (true) {
                long now = System.nanoTime();
                if (now - end >= 0) {
                    break;
                }
                if (!counting && now - start >= 0) {
                    counting = true;
                    answered = 0;
                    lost = 0;
                    Arrays.fill(histogram, 0);
                }
                while (inFlight < window) {
                    int id = nextId;
                    nextId = (nextId + 1) & 0xFFFF;
                    if (sentAt[id] != 0) {
                        continue; // still outstanding from a wrap-around; skip this ID
                    }
                    byte[] q = queries[nextName];
                    nextName = nextName + 1 == names ? 0 : nextName + 1;
                    tx.clear();
                    tx.put(q);
                    tx.putShort(0, (short) id);
                    tx.flip();
                    sentAt[id] = System.nanoTime() | 1;
                    int written;
                    try {
                        written = ch.write(tx);
                    } catch (java.net.PortUnreachableException e) {
                        written = 0; // an earlier datagram bounced (server not up yet); try again
                    }
                    if (written == 0) {
                        sentAt[id] = 0;
                        break;
                    }
                    inFlight++;
                }
                sel.select(1);
                sel.selectedKeys().clear();
                while (true) {
                    rx.clear();
                    int n;
                    try {
                        n = ch.read(rx);
                    } catch (java.net.PortUnreachableException e) {
                        continue;
                    }
                    if (n <= 0) {
                        break;
                    }
                    int id = rx.getShort(0) & 0xFFFF;
                    long t = sentAt[id];
                    if (t == 0) {
                        continue;
                    }
                    sentAt[id] = 0;
                    inFlight--;
                    answered++;
                    long micros = (System.nanoTime() - t) / 1000;
                    histogram[(int) Math.min(micros, MAX_MICROS)]++;
                }
                now = System.nanoTime();
                if (now - nextSweep >= 0) {
                    nextSweep = now + 100_000_000L;
                    for (int id = 0; id < sentAt.length; id++) {
                        if (sentAt[id] != 0 && now - sentAt[id] > LOST_AFTER_NANOS) {
                            sentAt[id] = 0;
                            inFlight--;
                            lost++;
                        }
                    }
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "answers_per_s=%.0f p50_us=%d p99_us=%d p999_us=%d lost=%d window=%d%n",
                    answered / elapsed, percentile(histogram, answered, 0.50), percentile(histogram, answered, 0.99),
                    percentile(histogram, answered, 0.999), lost, window);
        }
    }

    private static long percentile(long[] histogram, long total, double q) {
        long target = (long) Math.ceil(total * q);
        long seen = 0;
        for (int i = 0; i < histogram.length; i++) {
            seen += histogram[i];
            if (seen >= target && target > 0) {
                return i;
            }
        }
        return Arrays.stream(histogram).sum() == 0 ? -1 : MAX_MICROS;
    }
}
