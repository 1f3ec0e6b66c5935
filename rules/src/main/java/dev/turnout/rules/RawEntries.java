package dev.turnout.rules;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * A provider's entries and where each was written, in parallel arrays: the big lists hold over 100,000 entries,
 * and an entry object and an origin object for each cost more on a cold start than reading them. An entry the
 * reader already knows to be a plain lower-case domain is kept as its table key ({@link #EXACT}, or
 * {@link #SUFFIX} for {@code +.} with the prefix dropped): where it lies in the bytes the reader read, and its
 * {@link DomainTable#hash}, so that no string is made for it unless asked for. Read as a list of
 * {@link ProviderParser.RawEntry} (as written), each element is made when asked for.
 */
final class RawEntries extends AbstractList<ProviderParser.RawEntry> {

    static final byte TEXT = 0;
    static final byte EXACT = 1;
    static final byte SUFFIX = 2;

    /** The bytes key entries lie in (null when there are none). */
    private final byte[] keyBytes;
    /** The file {@link #keyBytes} were read from. */
    private final String keyFile;
    private byte[] kinds;
    private int[] hashes;
    private int[] keyFrom;
    private int[] keyLength;
    // Text entries' texts and where they were written, by their own count (a text entry's keyFrom is its place
    // here), grown from small: a list of keys with a few wildcards among them does not pay for 100,000. A key's
    // origin is found again in the bytes when asked for (errors and explanations ask; a start does not).
    private String[] texts = new String[0];
    private String[] files = new String[0];
    private int[] lines = new int[0];
    private int[] columns = new int[0];
    private int textCount;
    private int size;
    private long keyChars;
    private int keys;
    /** Where the last key origin found lies: the next one is counted from there (safe to share, immutable). */
    private SimpleYamlPayload.Position lastKeyPosition;

    RawEntries(int capacity) {
        this(capacity, null, null);
    }

    /** Entries some of which are keys lying in {@code keyBytes}, read from {@code keyFile}: plain domains are ASCII. */
    RawEntries(int capacity, byte[] keyBytes, String keyFile) {
        this.keyBytes = keyBytes;
        this.keyFile = keyFile;
        int n = Math.max(capacity, 8);
        kinds = new byte[n];
        hashes = new int[n];
        keyFrom = new int[n];
        keyLength = new int[n];
    }

    void add(String text, String file, int line, int column) {
        int t = textCount++;
        if (t == texts.length) {
            int n = Math.max(16, t * 2);
            texts = Arrays.copyOf(texts, n);
            files = Arrays.copyOf(files, n);
            lines = Arrays.copyOf(lines, n);
            columns = Arrays.copyOf(columns, n);
        }
        texts[t] = text;
        files[t] = file;
        lines[t] = line;
        columns[t] = column;
        append(TEXT, 0, t, 0);
    }

    void add(String text, Origin origin) {
        add(text, origin.file(), origin.line(), origin.column());
    }

    /**
     * A plain lower-case domain, {@code keyBytes[from, from + length)} without the {@code +.} of a SUFFIX, and
     * {@code hash} its {@link DomainTable#hash}, written as {@link SimpleYamlPayload} reads an entry.
     */
    void addKey(int from, int length, byte kind, int hash) {
        append(kind, hash, from, length);
        keyChars += length;
        keys++;
    }

    private int append(byte kind, int hash, int from, int length) {
        if (size == kinds.length) {
            int n = size * 2;
            kinds = Arrays.copyOf(kinds, n);
            hashes = Arrays.copyOf(hashes, n);
            keyFrom = Arrays.copyOf(keyFrom, n);
            keyLength = Arrays.copyOf(keyLength, n);
        }
        kinds[size] = kind;
        hashes[size] = hash;
        keyFrom[size] = from;
        keyLength[size] = length;
        return size++;
    }

    byte kind(int i) {
        return kinds[i];
    }

    /** The table key of an EXACT or SUFFIX entry, as a string (made now). */
    String key(int i) {
        return new String(keyBytes, keyFrom[i], keyLength[i], StandardCharsets.ISO_8859_1);
    }

    byte[] keyBytes() {
        return keyBytes;
    }

    /** Where an EXACT or SUFFIX entry's key starts in {@link #keyBytes}. */
    int keyFrom(int i) {
        return keyFrom[i];
    }

    int keyLength(int i) {
        return keyLength[i];
    }

    /** The {@link DomainTable#hash} of an EXACT or SUFFIX entry's key. */
    int hash(int i) {
        return hashes[i];
    }

    /** How many entries are keys. */
    int keys() {
        return keys;
    }

    /** The characters of all keys together: what a table needs to hold them. */
    long keyChars() {
        return keyChars;
    }

    /** The entry as written (trimmed). */
    String text(int i) {
        return kinds[i] == SUFFIX ? "+." + key(i) : kinds[i] == EXACT ? key(i) : texts[keyFrom[i]];
    }

    Origin origin(int i) {
        if (kinds[i] == TEXT) {
            int t = keyFrom[i];
            return new Origin(files[t], lines[t], columns[t]);
        }
        SimpleYamlPayload.Position from = lastKeyPosition;
        SimpleYamlPayload.Position at = SimpleYamlPayload.positionOfKey(keyBytes, keyFrom[i], kinds[i] == SUFFIX,
                from != null && from.offset() <= keyFrom[i] ? from : null);
        lastKeyPosition = at;
        return new Origin(keyFile, at.line(), at.column());
    }

    /** Moves entry {@code from} to position {@code to} (to <= from): how skipped entries are dropped. */
    void moveTo(int from, int to) {
        if (from == to) {
            return;
        }
        kinds[to] = kinds[from];
        hashes[to] = hashes[from];
        keyFrom[to] = keyFrom[from];
        keyLength[to] = keyLength[from];
    }

    /** Keeps the first {@code n} entries (the texts of those dropped stay until this list goes). */
    void truncate(int n) {
        size = n;
    }

    /** The origins as a list; like this list, each is made when asked for. */
    List<Origin> origins() {
        return new AbstractList<>() {
            @Override
            public Origin get(int i) {
                return origin(i);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    @Override
    public ProviderParser.RawEntry get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return new ProviderParser.RawEntry(text(i), origin(i));
    }

    @Override
    public int size() {
        return size;
    }
}
