package dev.turnout.rules;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * mihomo's binary rule set ({@code format: mrs}), read as mihomo's rules/provider/mrs_reader.go writes it: a zstd
 * stream holding {@code "MRS" 1}, the behavior byte (0 domain, 1 ipcidr), the entry count and a reserved extra
 * block (int64 big-endian length, then bytes), then the behavior's set:
 * <ul>
 *   <li>domain (component/trie/domain_set_bin.go): version 1, then the succinct trie of the reversed domains as
 *       three int64-length-prefixed arrays: {@code leaves} and {@code labelBitmap} (big-endian uint64 words, bit i
 *       at {@code word[i/64] >> i%64}) and {@code labels} (bytes). Nodes are numbered breadth first; the bitmap
 *       has a 0 per label (an edge to the next new node) and a 1 closing each node's labels.</li>
 *   <li>ipcidr (component/cidr/ipcidr_set_bin.go): version 1, an int64 count, then {@code from}, {@code to}
 *       pairs of 16-byte addresses (IPv4 as {@code ::ffff:a.b.c.d}).</li>
 * </ul>
 * The set is turned back into the text entries it was made from ({@code +.x} in the trie means below x, as
 * {@code .x} does in a text list; ranges become CIDRs), which then go through the same entry parsing as
 * text providers.
 */
final class MrsReader {

    /** More than this once decompressed is refused: a small file must not expand without bound. */
    static final long MAX_DECOMPRESSED = 64L * 1024 * 1024;

    private static final byte[] MAGIC = {'M', 'R', 'S', 1};

    private MrsReader() {
    }

    /** The entries as text ({@code example.com}, {@code .example.com}, {@code 192.0.2.0/24}). */
    static List<String> read(byte[] file, Behavior behavior, String name) throws IOException {
        if (behavior == Behavior.CLASSICAL) {
            throw new IOException("format mrs holds only domain or ipcidr rule sets (as in mihomo), not classical");
        }
        try (DataInputStream in = new DataInputStream(new Bounded(new ZstdInputStream(new ByteArrayInputStream(file))))) {
            byte[] magic = new byte[4];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException("not an MRS v1 rule set (it does not start with MRS\\1 once decompressed)");
            }
            int stored = in.readUnsignedByte();
            int expected = behavior == Behavior.DOMAIN ? 0 : 1;
            if (stored != expected) {
                throw new IOException("the file holds a " + (stored == 0 ? "domain" : stored == 1 ? "ipcidr"
                        : "behavior " + stored) + " rule set, but the provider says behavior: "
                        + behavior.name().toLowerCase(java.util.Locale.ROOT));
            }
            in.readLong(); // count: what mihomo reports; the entries themselves are what we use
            long extra = in.readLong();
            if (extra < 0 || extra > MAX_DECOMPRESSED) {
                throw new IOException("bad extra length " + extra);
            }
            in.skipNBytes(extra);
            if (in.readUnsignedByte() != 1) {
                throw new IOException("unknown " + (expected == 0 ? "domain set" : "CIDR set") + " version");
            }
            return expected == 0 ? domains(in) : cidrs(in);
        } catch (EOFException e) {
            throw new IOException("truncated MRS file " + name);
        } catch (RuntimeException e) { // aircompressor's MalformedInputException
            throw new IOException("not a valid zstd stream: " + e.getMessage());
        }
    }

    private static List<String> domains(DataInputStream in) throws IOException {
        long[] leaves = words(in);
        long[] bitmap = words(in);
        int labelCount = length(in, 1);
        byte[] labels = new byte[labelCount];
        in.readFully(labels);
        // Node k+1 hangs off label k; parent[] and via[] let each leaf spell its key back to the root.
        int[] parent = new int[labelCount + 1];
        byte[] via = new byte[labelCount + 1];
        int node = 0;
        int label = 0;
        long bits = (long) bitmap.length * 64;
        for (long b = 0; b < bits && node <= label && node <= labelCount; b++) {
            if ((bitmap[(int) (b >>> 6)] >>> (b & 63) & 1) == 0) {
                if (label >= labelCount) {
                    throw new IOException("domain set: more edges than labels");
                }
                parent[label + 1] = node;
                via[label + 1] = labels[label];
                label++;
            } else {
                node++;
            }
        }
        List<String> out = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        for (int n = 1; n <= label; n++) {
            if (n >>> 6 >= leaves.length || (leaves[n >>> 6] >>> (n & 63) & 1) == 0) {
                continue;
            }
            key.setLength(0);
            for (int at = n; at != 0; at = parent[at]) {
                if (key.length() > 255 || parent[at] >= at) {
                    throw new IOException("domain set: malformed trie (a key longer than 255 or a loop)");
                }
                key.append((char) (via[at] & 0xff)); // walking up spells the reversed key forwards
            }
            String d = key.toString();
            out.add(d.startsWith("+.") ? d.substring(1) : d);
        }
        return out;
    }

    private static List<String> cidrs(DataInputStream in) throws IOException {
        int n = length(in, 32);
        List<String> out = new ArrayList<>();
        byte[] from = new byte[16];
        byte[] to = new byte[16];
        for (int i = 0; i < n; i++) {
            in.readFully(from);
            in.readFully(to);
            boolean v4 = mapped(from) && mapped(to);
            if (mapped(from) != mapped(to)) {
                throw new IOException("CIDR set: range " + i + " mixes IPv4 and IPv6");
            }
            int width = v4 ? 32 : 128;
            BigInteger a = new BigInteger(1, v4 ? java.util.Arrays.copyOfRange(from, 12, 16) : from);
            BigInteger b = new BigInteger(1, v4 ? java.util.Arrays.copyOfRange(to, 12, 16) : to);
            if (a.compareTo(b) > 0) {
                throw new IOException("CIDR set: range " + i + " ends before it starts");
            }
            // The largest aligned block starting at a that stays within b, repeatedly.
            while (a.compareTo(b) <= 0) {
                int size = a.signum() == 0 ? width : Math.min(a.getLowestSetBit(), width);
                while (size > 0 && a.add(BigInteger.ONE.shiftLeft(size)).subtract(BigInteger.ONE).compareTo(b) > 0) {
                    size--;
                }
                out.add(address(a, v4) + "/" + (width - size));
                a = a.add(BigInteger.ONE.shiftLeft(size));
            }
        }
        return out;
    }

    private static boolean mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static String address(BigInteger value, boolean v4) throws UnknownHostException {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[v4 ? 4 : 16];
        int copy = Math.min(raw.length, bytes.length);
        System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
        return InetAddress.getByAddress(bytes).getHostAddress();
    }

    private static long[] words(DataInputStream in) throws IOException {
        long[] w = new long[length(in, 8)];
        for (int i = 0; i < w.length; i++) {
            w[i] = in.readLong();
        }
        return w;
    }

    /** An int64 count of items of {@code size} bytes: at least 1 (as mihomo requires) and within the bound. */
    private static int length(DataInputStream in, int size) throws IOException {
        long n = in.readLong();
        if (n < 1 || n > MAX_DECOMPRESSED / size) {
            throw new IOException("bad length " + n);
        }
        return (int) n;
    }

    /** Counts what is read and fails past {@link #MAX_DECOMPRESSED}. */
    private static final class Bounded extends FilterInputStream {
        private long read;

        Bounded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(long n) throws IOException {
            read += n;
            if (read > MAX_DECOMPRESSED) {
                throw new IOException("more than " + MAX_DECOMPRESSED + " bytes once decompressed; refused");
            }
        }
    }
}
