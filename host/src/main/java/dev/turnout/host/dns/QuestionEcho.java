package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the client's own question name, byte for byte, into an answer, as mihomo's answers have it (miekg's SetReply
 * copies the query's question). Turnout's answers come from a cache shared by every letter case of a name, and from
 * Netty's codec, which turns a label sent as raw UTF-8 into punycode; a client that checks the echo (DNS 0x20, dig)
 * drops an answer whose question differs. Owner names and names in the records that are the question's name, in any
 * case, become the client's too, as an answer to the client's own query would have them. The message is written
 * again with its names compressed, so a question of another length cannot break the pointers after it.
 */
final class QuestionEcho {

    private static final int CNAME = 5;
    private static final int NS = 2;
    private static final int PTR = 12;
    private static final int DNAME = 39;
    private static final int MX = 15;
    private static final int SOA = 6;
    private static final int SRV = 33;

    private QuestionEcho() {
    }

    /**
     * The name of the single question of {@code query} as its labels' bytes, or {@code null} when it has no
     * question or the name is compressed (no query sent by a stub is).
     */
    static byte[] questionName(ByteBuf query) {
        int base = query.readerIndex();
        int length = query.readableBytes();
        if (length < 12 || query.getUnsignedShort(base + 4) != 1) {
            return null;
        }
        int at = 12;
        while (at < length) {
            int len = query.getUnsignedByte(base + at);
            if (len == 0) {
                return ByteBufUtil.getBytes(query, base + 12, at + 1 - 12);
            }
            if (len > 63) {
                return null;
            }
            at += 1 + len;
        }
        return null;
    }

    /**
     * {@code response} with {@code name} (from {@link #questionName}) as its question's name; itself when that is
     * what it has already, or when it cannot be read whole (then it goes as it was).
     */
    static byte[] echo(byte[] response, byte[] name) {
        if (name == null || response.length < 12 + name.length || u16(response, 4) != 1
                || Arrays.equals(response, 12, 12 + name.length, name, 0, name.length)) {
            return response;
        }
        try {
            return rewrite(response, labels(name, 0));
        } catch (RuntimeException malformed) {
            return response;
        }
    }

    private static byte[] rewrite(byte[] m, List<byte[]> client) {
        int[] at = {12};
        // The handler answers this very question; its name here may differ in case, or be the punycode of labels
        // the client sent as UTF-8.
        List<byte[]> asked = readName(m, at);
        Writer out = new Writer();
        out.raw(m, 0, 12);
        out.name(client);
        out.raw(m, at[0], 4);
        at[0] += 4;
        int records = u16(m, 6) + u16(m, 8) + u16(m, 10);
        for (int i = 0; i < records; i++) {
            out.name(mine(readName(m, at), asked, client));
            int type = u16(m, at[0]);
            int length = u16(m, at[0] + 8);
            out.raw(m, at[0], 8); // type, class, TTL
            int start = at[0] + 10;
            int end = start + length;
            if (end > m.length) {
                throw new IllegalArgumentException("record past the end");
            }
            int lengthAt = out.size();
            out.raw(new byte[2], 0, 2);
            int[] r = {start};
            switch (type) {
                case CNAME, NS, PTR, DNAME -> out.name(mine(readName(m, r), asked, client));
                case MX -> {
                    out.raw(m, start, 2);
                    r[0] += 2;
                    out.name(mine(readName(m, r), asked, client));
                }
                case SRV -> {
                    out.raw(m, start, 6);
                    r[0] += 6;
                    out.name(readName(m, r)); // RFC 2782: not compressed, but some servers do
                }
                case SOA -> {
                    out.name(readName(m, r));
                    out.name(readName(m, r));
                    out.raw(m, r[0], 20);
                    r[0] += 20;
                }
                default -> {
                    out.raw(m, start, length); // no compressed names in them (RFC 3597)
                    r[0] = end;
                }
            }
            if (r[0] != end) {
                throw new IllegalArgumentException("record data of another length than it says");
            }
            out.patch16(lengthAt, out.size() - lengthAt - 2);
            at[0] = end;
        }
        if (at[0] != m.length) {
            throw new IllegalArgumentException("bytes after the records");
        }
        return out.bytes();
    }

    /**
     * {@code response} without its OPT record, for a client that sent none (RFC 6891 6.1.1: a responder must not
     * send one then); itself when it has none, or when the OPT record is not the last record (where none but a
     * broken server puts it, and where cutting it out could move names that pointers after it name).
     */
    static byte[] withoutOpt(byte[] response) {
        try {
            int additional = u16(response, 10);
            if (additional == 0) {
                return response;
            }
            int records = u16(response, 6) + u16(response, 8) + additional;
            int[] at = {12};
            for (int i = 0; i < u16(response, 4); i++) {
                readName(response, at);
                at[0] += 4;
            }
            for (int i = 0; i < records; i++) {
                int start = at[0];
                readName(response, at);
                int type = u16(response, at[0]);
                int end = at[0] + 10 + u16(response, at[0] + 8);
                if (type == 41 && i == records - 1 && end == response.length) {
                    byte[] out = Arrays.copyOf(response, start);
                    out[10] = (byte) ((additional - 1) >> 8);
                    out[11] = (byte) (additional - 1);
                    return out;
                }
                at[0] = end;
            }
            return response;
        } catch (RuntimeException malformed) {
            return response;
        }
    }

    /** The client's name where {@code name} is the question's, in whatever case. */
    private static List<byte[]> mine(List<byte[]> name, List<byte[]> asked, List<byte[]> client) {
        return sameIgnoringCase(name, asked) ? client : name;
    }

    private static boolean sameIgnoringCase(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            byte[] x = a.get(i);
            byte[] y = b.get(i);
            if (x.length != y.length) {
                return false;
            }
            for (int j = 0; j < x.length; j++) {
                if (lower(x[j]) != lower(y[j])) {
                    return false;
                }
            }
        }
        return true;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b & 0xFF;
    }

    private static List<byte[]> labels(byte[] name, int at) {
        return readName(name, new int[] {at});
    }

    /** The labels of the name at {@code at[0]}, following pointers; {@code at[0]} moves past it. */
    private static List<byte[]> readName(byte[] m, int[] at) {
        List<byte[]> out = new ArrayList<>();
        int p = at[0];
        boolean jumped = false;
        int hops = 0;
        while (true) {
            int len = m[p] & 0xFF;
            if (len == 0) {
                if (!jumped) {
                    at[0] = p + 1;
                }
                return out;
            }
            if ((len & 0xC0) == 0xC0) {
                if (!jumped) {
                    at[0] = p + 2;
                }
                jumped = true;
                int target = ((len & 0x3F) << 8) | (m[p + 1] & 0xFF);
                if (target >= p || ++hops > 127) {
                    throw new IllegalArgumentException("pointer loop");
                }
                p = target;
                continue;
            }
            if (len > 63) {
                throw new IllegalArgumentException("label type");
            }
            out.add(Arrays.copyOfRange(m, p + 1, p + 1 + len));
            if (out.size() > 127) {
                throw new IllegalArgumentException("name too long");
            }
            p += 1 + len;
        }
    }

    private static int u16(byte[] m, int at) {
        return ((m[at] & 0xFF) << 8) | (m[at + 1] & 0xFF);
    }

    /** A message being written, its names compressed against the names already in it (exact bytes). */
    private static final class Writer {
        private byte[] buf = new byte[512];
        private int size;
        private final Map<String, Integer> suffixes = new HashMap<>();

        int size() {
            return size;
        }

        private void room(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        private void put(int b) {
            room(1);
            buf[size++] = (byte) b;
        }

        void raw(byte[] b, int from, int length) {
            if (from + length > b.length) {
                throw new IllegalArgumentException("past the end");
            }
            room(length);
            System.arraycopy(b, from, buf, size, length);
            size += length;
        }

        void name(List<byte[]> labels) {
            for (int i = 0; i < labels.size(); i++) {
                String key = key(labels, i);
                Integer earlier = suffixes.get(key);
                if (earlier != null) {
                    put(0xC0 | earlier >> 8);
                    put(earlier & 0xFF);
                    return;
                }
                if (size < 0x4000) {
                    suffixes.put(key, size);
                }
                byte[] label = labels.get(i);
                put(label.length);
                raw(label, 0, label.length);
            }
            put(0);
        }

        void patch16(int at, int value) {
            buf[at] = (byte) (value >> 8);
            buf[at + 1] = (byte) value;
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, size);
        }

        /** The suffix from label {@code from} on, its bytes as they are (ISO-8859-1 keeps each byte a char). */
        private static String key(List<byte[]> labels, int from) {
            StringBuilder b = new StringBuilder();
            for (int i = from; i < labels.size(); i++) {
                byte[] l = labels.get(i);
                b.append((char) l.length).append(new String(l, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
            return b.toString();
        }
    }
}
