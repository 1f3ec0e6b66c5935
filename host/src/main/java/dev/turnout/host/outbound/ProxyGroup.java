package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@code proxy-groups:} entry: an outbound that hands each flow to one of its members. {@code select}
 * uses the member the user chose (the first until then); the automatic types (url-test, fallback,
 * load-balance) choose by health checks, which the controller issue adds; until then they use their first
 * member, as {@code select} does.
 */
public final class ProxyGroup implements Outbound {

    private final String name;
    private final String type;
    private final List<String> members;
    private final Map<String, Outbound> all;
    private final AtomicReference<String> current;

    ProxyGroup(String name, String type, List<String> members, Map<String, Outbound> all) {
        this.name = name;
        this.type = type;
        this.members = List.copyOf(members);
        this.all = all;
        this.current = new AtomicReference<>(members.isEmpty() ? null : members.get(0));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    public List<String> members() {
        return members;
    }

    /** The member flows go to now. */
    public String now() {
        return current.get();
    }

    /** Chooses a member of a {@code select} group; false when it is not a member. */
    public boolean select(String member) {
        if (!members.contains(member)) {
            return false;
        }
        current.set(member);
        return true;
    }

    /** The outbound a flow ends at, following nested groups. */
    public Outbound leaf() {
        Outbound o = this;
        for (int depth = 0; o instanceof ProxyGroup g && depth < 32; depth++) {
            String member = g.now();
            o = member == null ? null : all.get(member);
            if (o == null) {
                throw new IllegalStateException("group '" + g.name + "' has no usable member");
            }
        }
        return o;
    }

    @Override
    public boolean supportsUdp() {
        return leaf().supportsUdp();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return leaf().openStream(flow, loop);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return leaf().openDatagram(flow, loop, receiver);
    }
}
