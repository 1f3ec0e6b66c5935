package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.host.config.GroupEntry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * mihomo's {@code PASS}, a member groups may hold: a flow whose rule names a group that chooses it goes on to the
 * next rule (the rules' side of it is {@code RuleSet}'s; {@link Outbounds#passes} tells them when). It is no way
 * out: a flow that reaches it all the same (global mode, a relay's hop, a dashboard choosing it between the
 * decision and the dial) is refused as REJECT refuses, as mihomo's PASS does when dialled. mihomo's PASS-RULE (June
 * 2026) is another of them: within a sub-rules list, the flow goes on with that list's next rule instead of leaving
 * the list.
 */
final class PassOutbound implements Outbound {

    static final String NAME = "PASS";
    static final String RULE_NAME = "PASS-RULE";

    private final Outbound reject;
    private final String name;

    PassOutbound(Outbound reject) {
        this(reject, NAME);
    }

    PassOutbound(Outbound reject, String name) {
        this.reject = reject;
        this.name = name;
    }

    /** Whether it is PASS-RULE, which goes on within a sub-rules list. */
    boolean withinList() {
        return name.equals(RULE_NAME);
    }

    /**
     * The groups that may lead a flow to PASS: those holding it, and those holding such a group (a relay leads
     * through its members, never to one of them, so it is not among them).
     */
    static Set<String> passingGroups(Collection<GroupEntry> groups) {
        Map<String, List<String>> holders = new HashMap<>();
        for (GroupEntry g : groups) {
            if (!g.type().equals("relay")) {
                for (String m : g.members()) {
                    holders.computeIfAbsent(m, k -> new ArrayList<>()).add(g.name());
                }
            }
        }
        Set<String> passing = new HashSet<>();
        Deque<String> next = new ArrayDeque<>(List.of(NAME, RULE_NAME));
        while (!next.isEmpty()) {
            for (String holder : holders.getOrDefault(next.pop(), List.of())) {
                if (passing.add(holder)) {
                    next.push(holder);
                }
            }
        }
        return Set.copyOf(passing);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return withinList() ? "pass-rule" : "pass";
    }

    @Override
    public boolean supportsUdp() {
        return true;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return reject.openStream(flow, loop);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return reject.openDatagram(flow, loop, receiver);
    }
}
