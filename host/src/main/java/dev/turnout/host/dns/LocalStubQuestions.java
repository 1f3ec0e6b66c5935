package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The questions Turnout has asked a nameserver on this machine and that are not answered yet, each counted (two
 * lookups of one name may be under way), so that a hijacked query asking the same is known for the stub's forward.
 */
final class LocalStubQuestions {

    private final ConcurrentHashMap<String, Integer> asked = new ConcurrentHashMap<>();

    /** {@code www.example.test|1}: the name in lower case, without the root's dot, and the type. */
    static String key(String name, int type) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return n.toLowerCase(Locale.ROOT) + "|" + type;
    }

    void add(String key) {
        asked.merge(key, 1, Integer::sum);
    }

    void remove(String key) {
        asked.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }

    /** Whether the first question of the DNS message {@code query} is one asked and not yet answered. */
    boolean contains(ByteBuf query) {
        if (asked.isEmpty()) {
            return false; // the usual case: no stub asked, nothing to read
        }
        String key = questionKey(query);
        return key != null && asked.containsKey(key);
    }

    /** The message's first question as {@link #key}, or null when it has none or it cannot be read. */
    static String questionKey(ByteBuf m) {
        int i = m.readerIndex() + 12;
        int end = m.writerIndex();
        if (end - m.readerIndex() < 12 || m.getUnsignedShort(m.readerIndex() + 4) == 0) {
            return null;
        }
        StringBuilder name = new StringBuilder();
        while (true) {
            if (i >= end) {
                return null;
            }
            int len = m.getUnsignedByte(i++);
            if (len == 0) {
                break;
            }
            if ((len & 0xC0) != 0 || i + len > end || name.length() + len > 255) {
                return null; // a question's name is never compressed
            }
            if (name.length() > 0) {
                name.append('.');
            }
            for (int j = 0; j < len; j++) {
                name.append((char) Character.toLowerCase(m.getUnsignedByte(i + j)));
            }
            i += len;
        }
        if (i + 2 > end) {
            return null;
        }
        return key(name.toString(), m.getUnsignedShort(i));
    }
}
