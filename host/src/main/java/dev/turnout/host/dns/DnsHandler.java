package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one DNS query message into its response: {@code hosts:} entries first; in fake-ip mode, A (and, with
 * IPv6 enabled and a v6 range, AAAA) for names outside {@code fake-ip-filter} get a pool address with TTL 1;
 * AAAA with IPv6 disabled gets an empty NOERROR answer; in fake-ip mode, SVCB and HTTPS for those same names get
 * an empty NOERROR answer too (as mihomo does); PTR for a mapped fake address gets its name; everything else is
 * forwarded upstream and the upstream answer relayed byte for byte (ID rewritten). In redir-host and fake-ip mode
 * the real addresses of A and AAAA answers are remembered with the name asked ({@link AnsweredNames}), as mihomo's
 * mapping does, for the flows that go to them. With {@code use-hosts: false} {@code hosts:} is not answered from.
 *
 * <p>Never throws: malformed queries get FORMERR when their header is readable and are dropped otherwise
 * (also dropped: anything with the QR bit set, so two resolvers cannot ping-pong). UDP answers larger than the
 * client accepts (512 bytes, or its EDNS size) are replaced by a truncated answer so it retries over TCP.
 *
 * <p>Thread-safe; the fake-answer path completes synchronously on the calling thread.
 */
public final class DnsHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DnsHandler.class);

    /** RFC 1035's limit for UDP answers to clients that did not send EDNS. */
    public static final int UDP_PLAIN_LIMIT = 512;
    /** Largest UDP answer we ever send, whatever EDNS size the client claims. */
    static final int UDP_MAX_LIMIT = 4096;
    public static final int TCP_LIMIT = 65535;

    static final int FAKE_TTL = 1;
    static final int HOSTS_TTL = 10;
    /** How long an answer naming a new mapping waits for its journal record, at most. */
    static final Duration JOURNAL_PATIENCE = Duration.ofMillis(250);
    private static final int EDNS_SIZE = 1232;
    private static final DnsRecordType SVCB = DnsRecordType.valueOf(64);
    private static final DnsRecordType HTTPS = DnsRecordType.valueOf(65);

    /** A reload may change the mode; the pools once made stay (set before the mode that needs them). */
    private volatile EnhancedMode mode;
    /** Whether AAAA questions get answers; a reload may change it. */
    private volatile boolean ipv6;
    private volatile FakeIpPool pool4;
    private volatile FakeIpPool pool6;
    /** Replaced when a reload changes {@code fake-ip-filter}: read once per query. */
    private volatile FakeIpFilter filter;
    private final HostsTable hosts;
    private final UpstreamResolver upstream;
    private volatile FakeIpStore store;
    /** mihomo's {@code use-hosts}: whether {@code hosts:} answers questions (Turnout's own dialing asks it anyway). */
    private volatile boolean answersHosts;
    private final AnsweredNames answered = new AnsweredNames();

    private final LongAdder fakeAnswers = new LongAdder();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private volatile long lastExhaustedWarning = System.nanoTime() - 20_000_000_000L;

    /**
     * @param options  mode and IPv6 switch
     * @param pool4    IPv4 fake pool (required in fake-ip mode)
     * @param pool6    IPv6 fake pool or {@code null}
     * @param filter   names that get real answers
     * @param hosts    fixed answers
     * @param upstream where everything else goes
     */
    public DnsHandler(DnsOptions options, FakeIpPool pool4, FakeIpPool pool6, FakeIpFilter filter,
            HostsTable hosts, UpstreamResolver upstream) {
        this(options, pool4, pool6, filter, hosts, upstream, null);
    }

    /**
     * As above, with the store that journals the pools' new mappings ({@code null}: none): an answer that names
     * a new mapping goes out once its record is written, or after {@link #JOURNAL_PATIENCE} at most.
     */
    public DnsHandler(DnsOptions options, FakeIpPool pool4, FakeIpPool pool6, FakeIpFilter filter,
            HostsTable hosts, UpstreamResolver upstream, FakeIpStore store) {
        this.store = store;
        this.mode = options.enhancedMode();
        this.ipv6 = options.ipv6();
        this.pool4 = pool4;
        this.pool6 = pool6;
        this.filter = filter;
        this.hosts = hosts;
        this.upstream = upstream;
        this.answersHosts = options.useHosts();
        if (mode == EnhancedMode.FAKE_IP && pool4 == null) {
            throw new IllegalArgumentException("fake-ip mode needs an IPv4 pool");
        }
    }

    /**
     * Answers {@code hosts} from the next query on, for this handler and the resolvers sharing its table, and the
     * questions for {@code aliases} (names written as other names) for those names.
     */
    public void useHosts(java.util.Map<String, List<InetAddress>> hosts, java.util.Map<String, String> aliases) {
        this.hosts.useHosts(hosts, aliases);
    }

    /** The pools fake-ip mode hands addresses from, made when a reload first switched to it. */
    void usePools(FakeIpPool pool4, FakeIpPool pool6, FakeIpStore store) {
        this.store = store;
        this.pool6 = pool6;
        this.pool4 = pool4;
    }

    EnhancedMode mode() {
        return mode;
    }

    /** Answers in {@code next} mode from the next query on (a reload changed {@code enhanced-mode}). */
    void useMode(EnhancedMode next) {
        if (next == EnhancedMode.FAKE_IP && pool4 == null) {
            throw new IllegalStateException("fake-ip mode needs an IPv4 pool");
        }
        this.mode = next;
        if (next == EnhancedMode.NORMAL) {
            answered.clear(); // as mihomo's reload, which makes a new enhancer without a mapping
        }
    }

    /** Whether {@code hosts:} answers questions from the next query on (a reload changed {@code use-hosts}). */
    void answerHosts(boolean on) {
        this.answersHosts = on;
    }

    /**
     * The name a real answer of this server gave {@code address} for, in redir-host or fake-ip mode (mihomo's
     * {@code FindHostByIP} over its mapping); {@code null} in normal mode, or when none did within its TTL.
     */
    public String answeredName(InetAddress address) {
        return mode == EnhancedMode.NORMAL ? null : answered.nameOf(address);
    }

    /** Asks {@code system} after the config's hosts from the next query on ({@code null}: no hosts file). */
    public void useSystemHosts(SystemHosts system) {
        this.hosts.useSystemHosts(system);
    }

    /** Whether AAAA questions get answers from the next query on (a reload changed {@code dns.ipv6} or {@code ipv6}). */
    public void useIpv6(boolean on) {
        this.ipv6 = on;
    }

    /** Which names get real answers from the next query on (a reload changed {@code fake-ip-filter}). */
    public void useFilter(FakeIpFilter next) {
        this.filter = next;
    }

    /**
     * Entry for the TUN's DNS hijack: the UDP payload sent to port 53. The caller keeps ownership of
     * {@code query} (it is read before this returns). The future's value is the response payload, owned by the
     * caller, or {@code null} when the query is to be dropped. Fake answers complete before this returns;
     * forwarded ones complete on a resolver thread.
     */
    public Future<ByteBuf> handleDatagram(ByteBuf query) {
        return handle(query, true, ImmediateEventExecutor.INSTANCE);
    }

    /**
     * As {@link #handleDatagram}, for UDP ({@code udp}: answers limited to what the client accepts) or for
     * one TCP message (without its length prefix); the future belongs to {@code executor}.
     */
    public Future<ByteBuf> handle(ByteBuf query, boolean udp, EventExecutor executor) {
        int length = query.readableBytes();
        if (length < 12 || length > TCP_LIMIT) {
            malformed.increment();
            return executor.newSucceededFuture(null);
        }
        DnsQuery q;
        try {
            q = DnsWire.decodeQuery(query);
        } catch (Throwable e) {
            malformed.increment();
            return executor.newSucceededFuture(formErr(query));
        }
        try {
            return answer(q, QuestionEcho.questionName(query), udp, executor);
        } catch (Throwable e) {
            // A bug here must cost one answer, never the server.
            if (LOG.isDebugEnabled()) {
                LOG.debug("DNS query failed", e);
            }
            return executor.newSucceededFuture(
                    encode(new Request(q.id(), q.isRecursionDesired(), null, UDP_PLAIN_LIMIT, false),
                            DnsResponseCode.SERVFAIL, false, null, null));
        } finally {
            q.release();
        }
    }

    /** What is left of a query once its message is released. */
    /** @param asked the question's name as the client sent it, bytes on the wire ({@link QuestionEcho}) */
    private record Request(int id, boolean recursionDesired, DnsQuestion question, int limit, boolean edns,
            byte[] asked) {

        Request(int id, boolean recursionDesired, DnsQuestion question, int limit, boolean edns) {
            this(id, recursionDesired, question, limit, edns, null);
        }
    }

    private Future<ByteBuf> answer(DnsQuery q, byte[] sent, boolean udp, EventExecutor executor) {
        int id = q.id();
        if (!q.opCode().equals(DnsOpCode.QUERY)) {
            return executor.newSucceededFuture(encode(new Request(id, q.isRecursionDesired(), null,
                    UDP_PLAIN_LIMIT, false), DnsResponseCode.NOTIMP, false, null, null));
        }
        if (q.count(DnsSection.QUESTION) != 1) {
            malformed.increment();
            return executor.newSucceededFuture(encode(new Request(id, q.isRecursionDesired(), null,
                    UDP_PLAIN_LIMIT, false), DnsResponseCode.FORMERR, false, null, null));
        }
        DnsQuestion question = q.recordAt(DnsSection.QUESTION);
        int clientEdns = ednsSize(q);
        int limit = !udp ? TCP_LIMIT
                : clientEdns < 0 ? UDP_PLAIN_LIMIT : Math.min(Math.max(clientEdns, UDP_PLAIN_LIMIT), UDP_MAX_LIMIT);
        Request r = new Request(id, q.isRecursionDesired(), question, limit, clientEdns >= 0, sent);
        if (question.dnsClass() != DnsRecord.CLASS_IN) {
            return executor.newSucceededFuture(encode(r, DnsResponseCode.REFUSED, false, null, null));
        }
        DnsRecordType type = question.type();
        boolean a = type.equals(DnsRecordType.A);
        boolean aaaa = type.equals(DnsRecordType.AAAA);
        String name = DomainTrie.normalize(question.name());
        if (a || aaaa) {
            HostsTable.Entry fixed = answersHosts ? hosts.entry(name) : null;
            String alias = fixed == null ? null : fixed.alias();
            if (fixed != null && alias == null) {
                List<InetAddress> list = a ? fixed.v4() : ipv6 ? fixed.v6() : List.of();
                return executor.newSucceededFuture(encode(r, DnsResponseCode.NOERROR, false, list, null));
            }
            if (aaaa && !ipv6) {
                return executor.newSucceededFuture(alias == null ? encode(r, DnsResponseCode.NOERROR, false, null, null)
                        : aliased(r, alias, DnsResponseCode.NOERROR, List.of(), HOSTS_TTL));
            }
            String asked = alias == null ? name : alias;
            if (mode == EnhancedMode.FAKE_IP && DnsNames.isFakeable(asked) && filter.allowsFake(asked)) {
                return afterJournaled(fake(r, a ? pool4 : pool6, asked, alias), executor);
            }
            if (alias != null) {
                // As mihomo: the question is asked for the name hosts: gives, and a CNAME to it comes first.
                return forwardAliased(r, alias, type, executor);
            }
        } else if ((type.equals(HTTPS) || type.equals(SVCB)) && mode == EnhancedMode.FAKE_IP
                && DnsNames.isFakeable(name) && filter.allowsFake(name)) {
            // The real record's ipv4hint/ipv6hint would hand the client real addresses for a name it reaches
            // by a fake one, and a browser that waits on this lookup must not wait on the upstream.
            return executor.newSucceededFuture(encode(r, DnsResponseCode.NOERROR, false, null, null));
        } else if (type.equals(DnsRecordType.PTR) && mode == EnhancedMode.FAKE_IP) {
            String mapped = reverseName(name);
            if (mapped != null) {
                fakeAnswers.increment();
                return executor.newSucceededFuture(encode(r, DnsResponseCode.NOERROR, false, null, mapped));
            }
        }
        return forward(r, question.name(), type, executor);
    }

    /**
     * {@code answer}, once every mapping made so far is in the journal: so that a kill right after the client has
     * its address loses nothing. Bounded, because the disk may not take the record (a frozen file system): the
     * answer then goes out anyway, and no answer waits again until the disk has taken a write.
     */
    private Future<ByteBuf> afterJournaled(ByteBuf answer, EventExecutor executor) {
        if (store == null || !(executor instanceof EventLoop loop)) {
            return executor.newSucceededFuture(answer);
        }
        Promise<ByteBuf> p = executor.newPromise();
        if (!store.afterJournaled(() -> p.trySuccess(answer))) {
            return executor.newSucceededFuture(answer);
        }
        ScheduledFuture<?> late = loop.schedule(() -> {
            if (p.trySuccess(answer)) {
                store.journalLate();
            }
        }, JOURNAL_PATIENCE.toNanos(), TimeUnit.NANOSECONDS);
        p.addListener(f -> late.cancel(false));
        return p;
    }

    /** A fake address for {@code name}; owned by {@code alias}, with a CNAME to it first, when that is not null. */
    private ByteBuf fake(Request r, FakeIpPool pool, String name, String alias) {
        if (pool == null) {
            // AAAA with IPv6 on but no fake-ip-range6: an empty answer sends clients to A.
            return alias == null ? encode(r, DnsResponseCode.NOERROR, false, null, null)
                    : aliased(r, alias, DnsResponseCode.NOERROR, List.of(), HOSTS_TTL);
        }
        int slot = pool.assignSlot(name);
        if (slot < 0) {
            long now = System.nanoTime();
            if (now - lastExhaustedWarning > 10_000_000_000L) {
                // At most one warning per 10 s: exhaustion tends to come as a flood of queries.
                lastExhaustedWarning = now;
                LOG.warn("fake-ip pool {} exhausted: every address is held by an open flow", pool.range());
            }
            return encode(r, DnsResponseCode.SERVFAIL, false, null, null);
        }
        fakeAnswers.increment();
        DefaultDnsResponse resp = header(r, DnsResponseCode.NOERROR, false);
        String owner = alias == null ? r.question().name() : cname(resp, r, alias);
        resp.addRecord(DnsSection.ANSWER, new AddressRecord(owner, r.question().type(), FAKE_TTL,
                Unpooled.wrappedBuffer(pool.bytesOf(slot))));
        return finish(r, resp);
    }

    /** Adds a CNAME from the question's name to {@code alias}; returns the name the answers that follow are owned by. */
    private static String cname(DefaultDnsResponse resp, Request r, String alias) {
        String owner = alias + ".";
        resp.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(r.question().name(), DnsRecordType.CNAME,
                DnsRecord.CLASS_IN, HOSTS_TTL, nameWire(owner)));
        return owner;
    }

    /** A name as DNS writes it: each label after its length, then the root's zero. Names here are ASCII. */
    static ByteBuf nameWire(String name) {
        ByteBuf out = Unpooled.buffer(name.length() + 2);
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                out.writeByte(label.length());
                out.writeCharSequence(label, java.nio.charset.StandardCharsets.US_ASCII);
            }
        }
        return out.writeByte(0);
    }

    /** The question answered for {@code alias}: a CNAME to it, then what {@code addresses} has of the asked family. */
    private ByteBuf aliased(Request r, String alias, DnsResponseCode code, List<InetAddress> addresses, long ttl) {
        DefaultDnsResponse resp = header(r, code, false);
        String owner = cname(resp, r, alias);
        int length = r.question().type().equals(DnsRecordType.A) ? 4 : 16;
        for (InetAddress address : addresses) {
            if (address.getAddress().length == length) {
                resp.addRecord(DnsSection.ANSWER, new AddressRecord(owner, r.question().type(), ttl,
                        Unpooled.wrappedBuffer(address.getAddress())));
            }
        }
        return finish(r, resp);
    }

    private Future<ByteBuf> forwardAliased(Request r, String alias, DnsRecordType type, EventExecutor executor) {
        return forward(alias, type, executor, f -> {
            if (!f.isSuccess()) {
                return encode(r, DnsResponseCode.SERVFAIL, false, null, null);
            }
            remember(r, f.getNow());
            return aliased(r, alias, f.getNow().code(), f.getNow().addresses(), f.getNow().ttlSeconds());
        });
    }

    private Future<ByteBuf> forward(Request r, String name, DnsRecordType type, EventExecutor executor) {
        return forward(name, type, executor, f -> relay(r, f));
    }

    /** Asks the upstream about {@code name}, and answers with what {@code answer} makes of its reply. */
    private Future<ByteBuf> forward(String name, DnsRecordType type, EventExecutor executor,
            java.util.function.Function<Future<UpstreamReply>, ByteBuf> answer) {
        forwarded.increment();
        Future<UpstreamReply> f = upstream.query(name, type);
        if (f.isDone()) {
            return executor.newSucceededFuture(answer.apply(f));
        }
        Promise<ByteBuf> p = executor.newPromise();
        f.addListener(done -> {
            ByteBuf out = answer.apply(f);
            if (!p.trySuccess(out) && out != null) {
                out.release();
            }
        });
        return p;
    }

    private ByteBuf relay(Request r, Future<UpstreamReply> f) {
        try {
            if (!f.isSuccess() || f.getNow().truncated() && r.limit() == TCP_LIMIT) {
                // Cut short even over TCP (the upstream's TCP failed): TC means nothing to a TCP client, and no records
                // with NOERROR read as "no such record". A UDP client gets the TC and asks again over TCP.
                return encode(r, DnsResponseCode.SERVFAIL, false, null, null);
            }
            remember(r, f.getNow());
            byte[] wire = QuestionEcho.echo(f.getNow().wire(), r.asked());
            if (!r.edns()) {
                wire = QuestionEcho.withoutOpt(wire); // Turnout's own query upstream had one, the client's none
            }
            if (wire.length > r.limit()) {
                return encode(r, DnsResponseCode.NOERROR, true, null, null);
            }
            ByteBuf out = ByteBufAllocator.DEFAULT.ioBuffer(wire.length).writeBytes(wire);
            out.setShort(0, r.id());
            return out;
        } catch (Throwable e) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("relaying DNS answer failed", e);
            }
            return null;
        }
    }

    /** The reply's A and AAAA addresses, as answers for the question's name, in the modes that map (mihomo's withMapping). */
    private void remember(Request r, UpstreamReply reply) {
        if (mode == EnhancedMode.NORMAL || reply.addresses().isEmpty()) {
            return;
        }
        DnsRecordType type = r.question().type();
        if (!type.equals(DnsRecordType.A) && !type.equals(DnsRecordType.AAAA)) {
            return;
        }
        String name = DomainTrie.normalize(r.question().name());
        for (InetAddress address : reply.addresses()) {
            answered.record(address, name, reply.ttlSeconds());
        }
    }

    /** A locally built answer: A/AAAA records from {@code addresses}, or one PTR record to {@code ptr}. */
    private ByteBuf encode(Request r, DnsResponseCode code, boolean truncated, List<InetAddress> addresses,
            String ptr) {
        DefaultDnsResponse resp = header(r, code, truncated);
        if (addresses != null) {
            for (InetAddress address : addresses) {
                resp.addRecord(DnsSection.ANSWER, new AddressRecord(r.question().name(), r.question().type(),
                        HOSTS_TTL, Unpooled.wrappedBuffer(address.getAddress())));
            }
        }
        if (ptr != null) {
            resp.addRecord(DnsSection.ANSWER, new DefaultDnsPtrRecord(r.question().name(), DnsRecord.CLASS_IN,
                    FAKE_TTL, ptr + "."));
        }
        return finish(r, resp);
    }

    private static DefaultDnsResponse header(Request r, DnsResponseCode code, boolean truncated) {
        DefaultDnsResponse resp = new DefaultDnsResponse(r.id(), DnsOpCode.QUERY, code);
        resp.setRecursionDesired(r.recursionDesired());
        resp.setRecursionAvailable(true);
        resp.setTruncated(truncated);
        if (r.question() != null) {
            resp.addRecord(DnsSection.QUESTION, r.question());
        }
        return resp;
    }

    private static ByteBuf finish(Request r, DefaultDnsResponse resp) {
        try {
            if (r.edns()) {
                resp.addRecord(DnsSection.ADDITIONAL, new EdnsRecord(EDNS_SIZE));
            }
            return echoed(DnsWire.encodeResponse(resp), r.asked());
        } catch (Exception e) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("encoding DNS answer failed", e);
            }
            return null;
        } finally {
            resp.release();
        }
    }

    /**
     * {@code out} with the client's own question name (Netty's codec wrote the punycode of labels sent as UTF-8).
     * Most answers have it already, and go as they are.
     */
    private static ByteBuf echoed(ByteBuf out, byte[] asked) {
        if (asked == null || out.readableBytes() < 12 + asked.length
                || ByteBufUtil.equals(out, out.readerIndex() + 12, Unpooled.wrappedBuffer(asked), 0, asked.length)) {
            return out;
        }
        try {
            return Unpooled.wrappedBuffer(QuestionEcho.echo(ByteBufUtil.getBytes(out), asked));
        } finally {
            out.release();
        }
    }

    /** FORMERR for a message whose header is readable and which claims to be a query; else drop. */
    private ByteBuf formErr(ByteBuf wire) {
        int at = wire.readerIndex();
        int flags = wire.getUnsignedByte(at + 2);
        if ((flags & 0x80) != 0) {
            return null;
        }
        Request r = new Request(wire.getUnsignedShort(at), (flags & 0x01) != 0, null, UDP_PLAIN_LIMIT, false);
        DefaultDnsResponse resp = new DefaultDnsResponse(r.id(), DnsOpCode.valueOf((flags >> 3) & 0x0F),
                DnsResponseCode.FORMERR);
        resp.setRecursionDesired(r.recursionDesired());
        resp.setRecursionAvailable(true);
        return finish(r, resp);
    }

    /** The client's EDNS UDP payload size, or -1 without an OPT record. */
    private static int ednsSize(DnsQuery q) {
        int n = q.count(DnsSection.ADDITIONAL);
        for (int i = 0; i < n; i++) {
            DnsRecord rec = q.recordAt(DnsSection.ADDITIONAL, i);
            if (rec.type().equals(DnsRecordType.OPT)) {
                return rec.dnsClass() & 0xFFFF;
            }
        }
        return -1;
    }

    /**
     * The name mapped to a fake address written as {@code d.c.b.a.in-addr.arpa}, or as an IPv6 one's 32 nibbles
     * backwards under {@code ip6.arpa}; {@code null} for any other. An IPv6 one went upstream, which refused it.
     */
    private String reverseName(String name) {
        if (name.endsWith(".ip6.arpa")) {
            return reverseName6(name.substring(0, name.length() - ".ip6.arpa".length()));
        }
        if (!name.endsWith(".in-addr.arpa")) {
            return null;
        }
        String[] parts = name.substring(0, name.length() - ".in-addr.arpa".length()).split("\\.");
        if (parts.length != 4) {
            return null;
        }
        int address = 0;
        for (int i = 3; i >= 0; i--) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                return null;
            }
            address = (address << 8) | octet;
        }
        return pool4 == null ? null : pool4.nameOf(address);
    }

    private String reverseName6(String nibbles) {
        FakeIpPool pool = pool6;
        if (pool == null || nibbles.length() != 63) {
            return null;
        }
        long hi = 0;
        long lo = 0;
        for (int i = 31; i >= 0; i--) { // the last nibble written is the address's first
            char c = nibbles.charAt(2 * i);
            int v = Character.digit(c, 16);
            if (v < 0 || (i > 0 && nibbles.charAt(2 * i - 1) != '.')) {
                return null;
            }
            int bit = 31 - i; // 0 is the highest nibble
            if (bit < 16) {
                hi = (hi << 4) | v;
            } else {
                lo = (lo << 4) | v;
            }
        }
        return pool.nameOf(hi, lo);
    }

    public long fakeAnswers() {
        return fakeAnswers.sum();
    }

    public long forwarded() {
        return forwarded.sum();
    }

    public long malformed() {
        return malformed.sum();
    }
}
