package dev.turnout.host.tunnel;

import dev.turnout.api.Metadata;

/**
 * Turns a flow to a fake-IP address back into a flow to the name it stands for, so rules see the domain and
 * proxies are asked for the name (never for the fake address). The mapping stays pinned while the flow lives.
 * A flow to a real address the DNS answered for a name (redir-host) comes back with that name beside the address.
 */
public interface FakeIps {

    /**
     * The flow with its fake destination replaced by the name; {@code flow} itself when its destination is
     * not fake; {@code null} when it is fake but maps to nothing (the flow must be refused, never sent to a
     * wrong place). A fake address's flow comes back with the name alone, a mapped address's with the name and
     * the address ({@link #dnsMode} tells them apart).
     */
    Metadata restore(Metadata flow);

    /** How {@code restored} came from {@code original} by {@link #restore}, as mihomo's {@code metadata.dnsMode}. */
    default dev.turnout.host.dns.EnhancedMode dnsMode(Metadata original, Metadata restored) {
        return dnsMode(original, restored, dev.turnout.host.dns.EnhancedMode.REDIR_HOST);
    }

    /**
     * As {@link #dnsMode(Metadata, Metadata)} while the DNS answers in {@code answering} mode. mihomo's
     * preHandleMetadata calls every flow whose name it found for the address "fake-ip" while fake-ip mode is on, the
     * name of a real answer (a fake-ip-filter's) included; only in redir-host mode is that "redir-host".
     */
    static dev.turnout.host.dns.EnhancedMode dnsMode(Metadata original, Metadata restored,
            dev.turnout.host.dns.EnhancedMode answering) {
        if (restored == original) {
            return dev.turnout.host.dns.EnhancedMode.NORMAL;
        }
        return restored.destination().hasAddress() && answering != dev.turnout.host.dns.EnhancedMode.FAKE_IP
                ? dev.turnout.host.dns.EnhancedMode.REDIR_HOST : dev.turnout.host.dns.EnhancedMode.FAKE_IP;
    }

    /** The flow that {@link #restore} pinned has ended. */
    void release(Metadata original);

    /** For when there is no fake-IP DNS. */
    FakeIps NONE = new FakeIps() {
        @Override
        public Metadata restore(Metadata flow) {
            return flow;
        }

        @Override
        public void release(Metadata original) {
        }
    };
}
