package dev.turnout.host.geo;

import com.maxmind.db.Metadata;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A country database's IPv4 half as sorted address ranges, read once off its search tree. MaxMind's reader walks up
 * to 32 tree nodes and a record cache per lookup (about 270 ns); here a lookup indexes the address's /16 and
 * binary-searches the few ranges that start inside it, so that GEOIP keeps a decision within the rule engine's
 * budget. The ranges' countries come from the reader itself, one lookup per distinct record.
 */
final class CountryTable {

    /** Where a /16 block's ranges are: 2^16 blocks and one past the last. */
    private static final int BLOCKS = 1 << 16;

    /** Each range's first address with its sign bit flipped, so that signed order is address order. */
    private final int[] starts;
    /** Each range's country, an index into {@link #names}; 0 is none. */
    private final short[] countries;
    private final String[] names;
    /** For each /16 block, the range holding its first address; then the last range. */
    private final int[] blockFirst;

    private CountryTable(int[] starts, short[] countries, String[] names) {
        this.starts = starts;
        this.countries = countries;
        this.names = names;
        this.blockFirst = new int[BLOCKS + 1];
        int range = 0;
        for (int block = 0; block < BLOCKS; block++) {
            int first = (block << 16) ^ Integer.MIN_VALUE;
            while (range + 1 < starts.length && starts[range + 1] <= first) {
                range++;
            }
            blockFirst[block] = range;
        }
        blockFirst[BLOCKS] = starts.length - 1;
    }

    /** The country of IPv4 {@code address} (as the int of its four bytes, big-endian), or null. */
    String country(int address) {
        int key = address ^ Integer.MIN_VALUE;
        int block = address >>> 16;
        int lo = blockFirst[block];
        int hi = blockFirst[block + 1];
        // The last range starting at or before the address: starts[lo] <= key always holds.
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= key) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return names[countries[lo]];
    }

    /** How many ranges the table holds (adjacent ranges of one country are one). */
    int size() {
        return starts.length;
    }

    /**
     * Reads the IPv4 ranges of {@code tree}; {@code countryOf} names the country of an address through the reader
     * of the same file (null for none).
     *
     * @throws IOException when the tree does not have the shape its metadata says
     */
    static CountryTable read(Tree tree, Function<InetAddress, String> countryOf) throws IOException {
        Countries countries = new Countries(tree.shape(), countryOf);
        // Two walks: the first counts the ranges, the second fills arrays of exactly that size. One walk into
        // growing arrays left about 10 MB of garbage in the old generation, which the JVM kept as RSS.
        int[] count = {0};
        short[] previous = {0};
        walk(tree, (address, record) -> {
            short c = countries.of(address, record);
            if (count[0] == 0 || c != previous[0]) {
                count[0]++;
                previous[0] = c;
            }
        });
        int[] starts = new int[count[0]];
        short[] codes = new short[count[0]];
        int[] filled = {0};
        walk(tree, (address, record) -> {
            short c = countries.of(address, record);
            int i = filled[0];
            if (i == 0 || c != codes[i - 1]) {
                if (i == starts.length) {
                    throw new IOException("the search tree changed between two walks");
                }
                starts[i] = address ^ Integer.MIN_VALUE;
                codes[i] = c;
                filled[0] = i + 1;
            }
        });
        return new CountryTable(starts, codes, countries.names());
    }

    /** Takes the leaves of a walk: each one's first address and its record. */
    @FunctionalInterface
    private interface Leaves {
        void leaf(int address, int record) throws IOException;
    }

    /** The IPv4 subtree's leaves, in address order. */
    private static void walk(Tree tree, Leaves leaves) throws IOException {
        Shape shape = tree.shape();
        ByteBuffer buffer = tree.buffer();
        int node = 0;
        if (shape.ipVersion == 6) { // IPv4 is ::a.b.c.d, 96 zero bits down
            for (int depth = 0; depth < 96 && shape.isNode(node); depth++) {
                node = shape.record(buffer, node, 0);
            }
        }
        // At most one right half waits per level above the node being taken apart, and its two halves.
        int[] nodes = new int[34];
        int[] depths = new int[34];
        long[] firsts = new long[34];
        nodes[0] = node;
        int top = 1;
        while (top > 0) {
            top--;
            int n = nodes[top];
            int depth = depths[top];
            long first = firsts[top];
            if (!shape.isNode(n) || depth == 32) {
                if (shape.isNode(n)) {
                    throw new IOException("the search tree is deeper than 32 bits under IPv4");
                }
                leaves.leaf((int) first, n);
                continue;
            }
            // Right first onto the stack, so that the left (lower) half comes out first.
            nodes[top] = shape.record(buffer, n, 1);
            depths[top] = depth + 1;
            firsts[top++] = first | (1L << (31 - depth));
            nodes[top] = shape.record(buffer, n, 0);
            depths[top] = depth + 1;
            firsts[top++] = first;
        }
    }

    /** Each record's country as an index into the names seen so far; the reader is asked once per record. */
    private static final class Countries {
        private final Shape shape;
        private final Function<InetAddress, String> countryOf;
        private final Map<Integer, Short> ofRecord = new HashMap<>();
        private final Map<String, Short> indexOfName = new HashMap<>();
        private final List<String> names = new ArrayList<>();

        Countries(Shape shape, Function<InetAddress, String> countryOf) {
            this.shape = shape;
            this.countryOf = countryOf;
            names.add(null); // index 0: no country
        }

        short of(int address, int record) throws IOException {
            Short known = ofRecord.get(record);
            if (known != null) {
                return known;
            }
            String name = record == shape.nodeCount ? null : countryOf.apply(address(address));
            short c = name == null ? 0 : indexOfName.computeIfAbsent(name, n -> {
                names.add(n);
                return (short) (names.size() - 1);
            });
            if (names.size() > Short.MAX_VALUE) {
                throw new IOException("more than " + Short.MAX_VALUE + " countries");
            }
            ofRecord.put(record, c);
            return c;
        }

        String[] names() {
            return names.toArray(String[]::new);
        }
    }

    private static InetAddress address(int v4) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8),
                (byte) v4});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    /** A database's search tree, mapped, and its shape. */
    record Tree(ByteBuffer buffer, Shape shape) {

        /** Maps {@code file}'s search tree, whose shape {@code metadata} (the reader's of that file) gives. */
        static Tree map(Path file, Metadata metadata) throws IOException {
            Shape shape = Shape.of(metadata);
            try (FileChannel ch = FileChannel.open(file)) {
                long treeBytes = (long) shape.nodeCount * shape.recordSize / 4;
                if (treeBytes > ch.size() || treeBytes > Integer.MAX_VALUE) {
                    throw new IOException("a search tree of " + treeBytes + " bytes in a file of " + ch.size());
                }
                return new Tree(ch.map(FileChannel.MapMode.READ_ONLY, 0, treeBytes), shape);
            }
        }
    }

    /**
     * The tree's node count and record size. MaxMind's reader keeps them to itself (package-private in 3.x), so they
     * are read from its metadata object; a reader that names them differently leaves countries to the reader.
     */
    record Shape(int nodeCount, int recordSize, int ipVersion) {

        static Shape of(Metadata metadata) throws IOException {
            try {
                int nodeCount = intField(metadata, "nodeCount");
                int recordSize = intField(metadata, "recordSize");
                if (recordSize != 24 && recordSize != 28 && recordSize != 32) {
                    throw new IOException("record size " + recordSize + " is not 24, 28 or 32");
                }
                return new Shape(nodeCount, recordSize, metadata.getIpVersion());
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IOException("the reader's metadata does not give the tree's shape: " + e, e);
            }
        }

        private static int intField(Metadata metadata, String name) throws ReflectiveOperationException {
            Field f = Metadata.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.getInt(metadata);
        }

        /** Whether a record points at another node (32-bit records compare unsigned). */
        boolean isNode(int record) {
            return Integer.compareUnsigned(record, nodeCount) < 0;
        }

        /** The left (0) or right (1) record of {@code node}: a node below nodeCount, no data at it, or data above. */
        int record(ByteBuffer tree, int node, int side) {
            int at = node * (recordSize / 4);
            return switch (recordSize) {
                case 24 -> uint24(tree, at + side * 3);
                case 28 -> side == 0 ? ((tree.get(at + 3) & 0xF0) << 20) | uint24(tree, at)
                        : ((tree.get(at + 3) & 0x0F) << 24) | uint24(tree, at + 4);
                default -> tree.getInt(at + side * 4);
            };
        }

        private static int uint24(ByteBuffer b, int at) {
            return ((b.get(at) & 0xFF) << 16) | ((b.get(at + 1) & 0xFF) << 8) | (b.get(at + 2) & 0xFF);
        }
    }
}
