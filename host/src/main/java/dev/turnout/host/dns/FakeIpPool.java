package dev.turnout.host.dns;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fake addresses handed out for names: the same name keeps its address while the mapping lives, and an address
 * maps back to its name. When every address is taken, the least recently used mapping that no open flow holds
 * ({@link #acquire pinned}) is recycled.
 *
 * <p>Addresses are "slots" counted from the range's first host address. The range's network (and, for IPv4,
 * broadcast) address, the address written in the range (Clash's gateway, e.g. 198.18.0.1) and every address
 * of the excluded prefixes (the TUN's own subnets: network, hosts and broadcast, for the kernel will not route
 * a connection to, say, the TUN subnet's broadcast address) are never handed out. IPv6 ranges are capped to
 * {@code maxSlots}.
 *
 * <p>Reverse lookups ({@link #nameOf(int)}) take no lock and allocate nothing; everything that changes a
 * mapping holds one lock, taken once per DNS answer or flow open/close, never per packet.
 */
public final class FakeIpPool {

    /** One live mapping, as saved to the cache file. */
    record Mapping(InetAddress address, String name) {
    }

    /**
     * What {@link #restore} did: how many mappings it re-created, the names whose saved address the pool may
     * not hand out (excluded or outside the range: {@link #repair} gives them new ones) and how many entries
     * it dropped as invalid.
     */
    record Restored(int restored, List<String> misplaced, int invalid) {
    }

    /** Told of every mapping the pool makes for a query, under the pool's lock, so records keep their order. */
    interface Journal {
        void bound(FakeIpPool pool, int slot, String name);
    }

    private static final int NONE = -1;

    private final Cidr range;
    private final boolean ipv4;
    private final int size;
    private final int first4;
    private final int mask4;
    private final long firstHi;
    private final long firstLo;
    private final BitSet reserved = new BitSet();

    private final AtomicReferenceArray<String> names;
    private final Map<String, Integer> slotsByName = new HashMap<>();
    private final int[] newer;
    private final int[] older;
    private final int[] pins;
    private final ReentrantLock lock = new ReentrantLock();
    private int mru = NONE;
    private int lru = NONE;
    private int mapped;
    private int nextFresh;
    private Journal journal;

    /**
     * @param range    the fake range, e.g. {@code 198.18.0.1/16}
     * @param excluded prefixes none of whose addresses is handed out (the TUN's subnets and its NAT peer);
     *                 the parts outside the range and prefixes of the other family are ignored
     * @param maxSlots upper bound on the pool size (memory bound for large IPv6 ranges)
     */
    public FakeIpPool(Cidr range, Collection<Cidr> excluded, int maxSlots) {
        this.range = range;
        this.ipv4 = range.isIpv4();
        byte[] net = range.network().getAddress();
        int hostBits = (ipv4 ? 32 : 128) - range.prefix();
        // Slot 0 is the network address + 1. IPv4 loses network and broadcast; IPv6 only the network address.
        long span = hostBits >= 62 ? Long.MAX_VALUE : (1L << hostBits) - (ipv4 ? 2 : 1);
        int n = (int) Math.min(span, maxSlots);
        if (ipv4) {
            this.first4 = ByteBuffer.wrap(net).getInt() + 1;
            this.mask4 = range.prefix() == 0 ? 0 : -1 << (32 - range.prefix());
            this.firstHi = 0;
            this.firstLo = 0;
        } else {
            ByteBuffer b = ByteBuffer.wrap(net);
            this.first4 = 0;
            this.mask4 = 0;
            this.firstHi = b.getLong();
            // No slot carries into the high 64 bits: the network's host bits are clear, so a range of 64 host
            // bits or fewer ends within its low half, and a larger one starts at low 0 with at most maxSlots slots.
            this.firstLo = b.getLong() + 1;
        }
        if (n <= 0) {
            throw new IllegalArgumentException("fake-ip range " + range + " has no usable addresses");
        }
        this.size = n;
        this.names = new AtomicReferenceArray<>(n);
        this.newer = new int[n];
        this.older = new int[n];
        this.pins = new int[n];
        int gateway = slotOf(range.address());
        if (gateway >= 0) {
            this.reserved.set(gateway);
        }
        for (Cidr c : excluded) {
            exclude(c);
        }
        if (this.reserved.cardinality() >= n) {
            throw new IllegalArgumentException("fake-ip range " + range + " has no addresses left outside "
                    + excluded);
        }
    }

    /** Reserves the slots of {@code prefix} that lie in the range; once, at construction, so BigInteger is fine. */
    private void exclude(Cidr prefix) {
        if (prefix.isIpv4() != ipv4) {
            return;
        }
        int bits = ipv4 ? 32 : 128;
        BigInteger low = new BigInteger(1, prefix.network().getAddress());
        BigInteger high = low.add(BigInteger.ONE.shiftLeft(bits - prefix.prefix())).subtract(BigInteger.ONE);
        BigInteger first = new BigInteger(1, bytesOf(0));
        BigInteger from = low.subtract(first).max(BigInteger.ZERO);
        BigInteger to = high.subtract(first).min(BigInteger.valueOf(size - 1L));
        if (from.compareTo(to) <= 0) {
            reserved.set(from.intValueExact(), to.intValueExact() + 1);
        }
    }

    public Cidr range() {
        return range;
    }

    public boolean isIpv4() {
        return ipv4;
    }

    /** How many addresses can be handed out. */
    public int capacity() {
        return size - reserved.cardinality();
    }

    /** How many names currently have an address. */
    public int mapped() {
        lock.lock();
        try {
            return mapped;
        } finally {
            lock.unlock();
        }
    }

    /** True when {@code ipv4} (an address as a big-endian int) lies in this pool's range: a fake address. */
    public boolean inRange(int ipv4Address) {
        return ipv4 && (ipv4Address & mask4) == first4 - 1;
    }

    /** True when {@code address} lies in this pool's range, whether or not it is mapped. */
    public boolean inRange(InetAddress address) {
        return range.contains(address);
    }

    /** The name mapped to {@code ipv4Address}, or {@code null}. No lock, no allocation: per-flow hot path. */
    public String nameOf(int ipv4Address) {
        int s = ipv4 ? slot4(ipv4Address) : NONE;
        return s < 0 ? null : names.get(s);
    }

    /** The name mapped to the IPv6 address {@code hi:lo}, or {@code null}. No lock, no allocation. */
    public String nameOf(long hi, long lo) {
        int s = ipv4 ? NONE : slot6(hi, lo);
        return s < 0 ? null : names.get(s);
    }

    public String nameOf(InetAddress address) {
        int s = slotOf(address);
        return s < 0 ? null : names.get(s);
    }

    /**
     * The address for {@code name} (normalized: lower case, no trailing dot), mapping it if needed.
     *
     * @return {@code null} when every address is pinned by an open flow
     */
    public InetAddress assign(String name) {
        int s = assignSlot(DomainTrie.normalize(name));
        return s < 0 ? null : addressOf(s);
    }

    /** Slot for an already normalized name; {@code -1} when nothing can be recycled. */
    int assignSlot(String name) {
        lock.lock();
        try {
            Integer existing = slotsByName.get(name);
            if (existing != null) {
                touch(existing);
                return existing;
            }
            int s = freshSlot();
            if (s == NONE) {
                s = recycleSlot();
                if (s == NONE) {
                    return NONE;
                }
            }
            bind(s, name);
            if (journal != null) {
                journal.bound(this, s, name);
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    /** Sends every mapping made from now on to {@code j} ({@code null}: to nobody). */
    void journalTo(Journal j) {
        lock.lock();
        try {
            journal = j;
        } finally {
            lock.unlock();
        }
    }

    /** The lock every mapping change holds; the store holds it across pools to cut journal and snapshot. */
    ReentrantLock mappingLock() {
        return lock;
    }

    /**
     * Pins the mapping of {@code address} for an open flow, so it is never recycled until {@link #release}.
     *
     * @return the mapped name, or {@code null} (nothing pinned) when the address has no mapping
     */
    public String acquire(InetAddress address) {
        int s = slotOf(address);
        return s < 0 ? null : acquireSlot(s);
    }

    /** {@link #acquire(InetAddress)} for an IPv4 address as a big-endian int. */
    public String acquire(int ipv4Address) {
        int s = ipv4 ? slot4(ipv4Address) : NONE;
        return s < 0 ? null : acquireSlot(s);
    }

    /** Ends one {@link #acquire}; the mapping becomes the most recently used. Extra releases are ignored. */
    public void release(InetAddress address) {
        releaseSlot(slotOf(address));
    }

    public void release(int ipv4Address) {
        releaseSlot(ipv4 ? slot4(ipv4Address) : NONE);
    }

    private String acquireSlot(int s) {
        lock.lock();
        try {
            String name = names.get(s);
            if (name != null) {
                pins[s]++;
            }
            return name;
        } finally {
            lock.unlock();
        }
    }

    private void releaseSlot(int s) {
        if (s < 0) {
            return;
        }
        lock.lock();
        try {
            if (pins[s] > 0) {
                pins[s]--;
                if (names.get(s) != null) {
                    touch(s);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** True while some flow holds the mapping of {@code address}. */
    public boolean isPinned(InetAddress address) {
        int s = slotOf(address);
        if (s < 0) {
            return false;
        }
        lock.lock();
        try {
            return pins[s] > 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops every mapping no flow holds pinned, and hands addresses out from the start of the range again.
     *
     * @return how many mappings were dropped
     */
    public int flush() {
        lock.lock();
        try {
            int dropped = 0;
            for (int s = lru; s != NONE; ) {
                int next = newer[s];
                if (pins[s] == 0) {
                    unbind(s);
                    dropped++;
                }
                s = next;
            }
            nextFresh = 0;
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** Live mappings, least recently used first (the order {@link #restore} expects). */
    List<Mapping> snapshot() {
        lock.lock();
        try {
            List<Mapping> out = new ArrayList<>(mapped);
            for (int s = lru; s != NONE; s = newer[s]) {
                out.add(new Mapping(addressOf(s), names.get(s)));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Re-creates saved mappings, least recently used first; a later entry for the same name or address
     * replaces the earlier one. Entries with invalid names are dropped; entries on an address the pool may not
     * hand out (outside the range, or excluded, e.g. an older Turnout gave out the TUN subnet's broadcast address)
     * are not re-created but reported, so that {@link #repair} can give their names new addresses.
     */
    Restored restore(List<Mapping> mappings) {
        int restored = 0;
        int invalid = 0;
        List<String> misplaced = new ArrayList<>();
        lock.lock();
        try {
            for (Mapping m : mappings) {
                String name = DomainTrie.normalize(m.name());
                if (!DnsNames.isFakeable(name)) {
                    invalid++;
                    continue;
                }
                int s = slotOf(m.address());
                if (s < 0 || reserved.get(s)) {
                    misplaced.add(name);
                    continue;
                }
                Integer old = slotsByName.get(name);
                if (old != null) {
                    unbind(old);
                }
                if (names.get(s) != null) {
                    unbind(s);
                }
                bind(s, name);
                restored++;
            }
            return new Restored(restored, misplaced, invalid);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives each of {@code names} that has no mapping (yet) a fresh address, as a query would.
     *
     * @return how many got one
     */
    int repair(Collection<String> names) {
        int repaired = 0;
        lock.lock();
        try {
            for (String name : names) {
                if (!slotsByName.containsKey(name) && assignSlot(name) >= 0) {
                    repaired++;
                }
            }
            return repaired;
        } finally {
            lock.unlock();
        }
    }

    /** The address of a slot; slot must be in range. */
    InetAddress addressOf(int slot) {
        try {
            return InetAddress.getByAddress(bytesOf(slot));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The address of a slot as 4 or 16 bytes, for answer records. */
    byte[] bytesOf(int slot) {
        if (ipv4) {
            int a = first4 + slot;
            return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
        }
        return ByteBuffer.allocate(16).putLong(firstHi).putLong(firstLo + slot).array();
    }

    /** The slot of {@code address}, or -1 when it is not a pool address. */
    int slotOf(InetAddress address) {
        if (address == null) {
            return NONE;
        }
        byte[] b = address.getAddress();
        if (ipv4) {
            return b.length == 4 ? slot4(ByteBuffer.wrap(b).getInt()) : NONE;
        }
        if (b.length != 16) {
            return NONE;
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        return slot6(bb.getLong(), bb.getLong());
    }

    private int slot4(int address) {
        int s = address - first4;
        return Integer.compareUnsigned(s, size) < 0 ? s : NONE;
    }

    private int slot6(long hi, long lo) {
        if (hi != firstHi) {
            return NONE;
        }
        long s = lo - firstLo;
        return Long.compareUnsigned(s, size) < 0 ? (int) s : NONE;
    }

    // ---- LRU list; callers hold the lock ----

    private int freshSlot() {
        while (nextFresh < size) {
            int s = nextFresh++;
            if (!reserved.get(s) && names.get(s) == null) {
                return s;
            }
        }
        return NONE;
    }

    private int recycleSlot() {
        for (int s = lru; s != NONE; s = newer[s]) {
            if (pins[s] == 0) {
                unbind(s);
                return s;
            }
        }
        return NONE;
    }

    private void bind(int s, String name) {
        names.set(s, name);
        slotsByName.put(name, s);
        linkFront(s);
        mapped++;
    }

    private void unbind(int s) {
        String name = names.get(s);
        if (name == null) {
            return;
        }
        unlink(s);
        slotsByName.remove(name);
        names.set(s, null);
        mapped--;
    }

    private void touch(int s) {
        if (mru != s) {
            unlink(s);
            linkFront(s);
        }
    }

    private void linkFront(int s) {
        older[s] = mru;
        newer[s] = NONE;
        if (mru != NONE) {
            newer[mru] = s;
        }
        mru = s;
        if (lru == NONE) {
            lru = s;
        }
    }

    private void unlink(int s) {
        int o = older[s];
        int n = newer[s];
        if (o != NONE) {
            newer[o] = n;
        } else {
            lru = n;
        }
        if (n != NONE) {
            older[n] = o;
        } else {
            mru = o;
        }
        older[s] = NONE;
        newer[s] = NONE;
    }

    @Override
    public String toString() {
        return "FakeIpPool[" + range + ", " + capacity() + " addresses]";
    }
}
