package dev.turnout.rules;

import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The tests' writer of mihomo's MRS rule sets, written from mihomo's source (rules/provider/mrs_converter.go,
 * component/trie/domain.go Insert and domain_set.go NewDomainSet, component/cidr/ipcidr_set_bin.go), not from
 * Turnout's reader: the reader is checked against what this produces, and this against bytes spelled out by hand
 * in MrsReaderTest.
 */
final class MrsWriter {

    private MrsWriter() {
    }

    /** The uncompressed body for a domain provider's text entries ({@code a.cn}, {@code +.b.cn}, {@code .c}). */
    static byte[] domainBody(List<String> entries) {
        // DomainTrie.Insert: "+.x" stores x and ".x"; Foreach writes ".x" back as "+.x"; NewDomainSet reverses.
        TreeSet<String> keys = new TreeSet<>();
        for (String e : entries) {
            String d = e.toLowerCase(java.util.Locale.ROOT);
            if (d.startsWith("+.")) {
                keys.add(reverse(d.substring(2)));
                keys.add(reverse(d));
            } else if (d.startsWith(".")) {
                keys.add(reverse("+" + d));
            } else {
                keys.add(reverse(d));
            }
        }
        List<String> k = new ArrayList<>(keys); // byte order, as Go's sort.Strings for ASCII
        List<Long> leaves = new ArrayList<>();
        List<Long> bitmap = new ArrayList<>();
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        List<int[]> queue = new ArrayList<>();
        queue.add(new int[] {0, k.size(), 0});
        int bit = 0;
        for (int i = 0; i < queue.size(); i++) {
            int[] elt = queue.get(i);
            int s = elt[0];
            if (elt[2] == k.get(s).length()) {
                s++;
                setBit(leaves, i);
            }
            for (int j = s; j < elt[1]; ) {
                int from = j;
                char c = k.get(from).charAt(elt[2]);
                while (j < elt[1] && k.get(j).charAt(elt[2]) == c) {
                    j++;
                }
                queue.add(new int[] {from, j, elt[2] + 1});
                labels.write(c);
                bit++; // a 0: one label
            }
            setBit(bitmap, bit++); // a 1: the node's labels end
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(out)) {
            d.writeByte(1);
            d.writeLong(leaves.size());
            for (long w : leaves) {
                d.writeLong(w);
            }
            d.writeLong(bitmap.size());
            for (long w : bitmap) {
                d.writeLong(w);
            }
            d.writeLong(labels.size());
            d.write(labels.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The uncompressed body for CIDRs: one range each, in the order given (mihomo merges and sorts them first). */
    static byte[] cidrBody(List<String> cidrs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(out)) {
            d.writeByte(1);
            d.writeLong(cidrs.size());
            for (String c : cidrs) {
                Rule.Prefix p = Addresses.parseCidr(c);
                byte[] from = new byte[16];
                byte[] to = new byte[16];
                if (!p.v6()) {
                    from[10] = (byte) 0xff;
                    from[11] = (byte) 0xff;
                    to[10] = (byte) 0xff;
                    to[11] = (byte) 0xff;
                    long base = p.hi() >>> 32;
                    long last = base | ((1L << (32 - p.length())) - 1);
                    for (int i = 0; i < 4; i++) {
                        from[12 + i] = (byte) (base >>> (24 - 8 * i));
                        to[12 + i] = (byte) (last >>> (24 - 8 * i));
                    }
                } else {
                    int n = p.length();
                    long hiHost = n >= 64 ? 0 : n == 0 ? -1L : -1L >>> n;
                    long loHost = n <= 64 ? -1L : n == 128 ? 0 : -1L >>> (n - 64);
                    put(from, p.hi(), p.lo());
                    put(to, p.hi() | hiHost, p.lo() | loHost);
                }
                d.write(from);
                d.write(to);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The uncompressed stream: magic, behavior (0 domain, 1 ipcidr), count, an empty extra block, the body. */
    static byte[] plain(int behavior, long count, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(out)) {
            d.write(new byte[] {'M', 'R', 'S', 1});
            d.writeByte(behavior);
            d.writeLong(count);
            d.writeLong(0);
            d.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] domains(List<String> entries) {
        return zstd(plain(0, entries.size(), domainBody(entries)));
    }

    static byte[] cidrs(List<String> cidrs) {
        return zstd(plain(1, cidrs.size(), cidrBody(cidrs)));
    }

    private static void put(byte[] b, long hi, long lo) {
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
    }

    private static void setBit(List<Long> words, int i) {
        while (i >> 6 >= words.size()) {
            words.add(0L);
        }
        words.set(i >> 6, words.get(i >> 6) | 1L << (i & 63));
    }

    private static String reverse(String s) {
        return new StringBuilder(s).reverse().toString();
    }
}
