package dev.turnout.host.runtime;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.host.dns.DnsService;
import dev.turnout.host.dns.EnhancedMode;
import dev.turnout.host.dns.FakeIpPool;
import dev.turnout.host.tunnel.FakeIps;
import java.net.InetAddress;

/**
 * {@link FakeIps} over the DNS service: a fake address gives way to its name, pinned while the flow lives; a real
 * address the DNS server answered for a name (redir-host, mihomo's mapping) gets that name beside it.
 */
final class PoolFakeIps implements FakeIps {

    private final DnsService dns;

    PoolFakeIps(DnsService dns) {
        this.dns = dns;
    }

    @Override
    public EnhancedMode dnsMode(Metadata original, Metadata restored) {
        return FakeIps.dnsMode(original, restored, dns.enhancedMode());
    }

    @Override
    public Metadata restore(Metadata flow) {
        Destination to = flow.destination();
        InetAddress address = to.address();
        if (address == null) {
            return flow;
        }
        if (!dns.isFake(address)) {
            return to.hasHost() ? flow : mapped(flow, address);
        }
        String name = pool(address).acquire(address);
        if (name == null) {
            return null;
        }
        // Only the name goes on: DIRECT resolves it for real, proxies are asked for the name.
        try {
            return flow.withDestination(Destination.ofHost(name, to.port()));
        } catch (IllegalArgumentException e) {
            // A name no flow may go to ("3405803781"): as if the fake address were unknown.
            return null;
        }
    }

    /**
     * As mihomo's preHandleMetadata in redir-host mode: the name for the rules and the proxies, the address kept
     * (DIRECT dials what the application was answered); the flow as it is when no answer named the address.
     */
    private Metadata mapped(Metadata flow, InetAddress address) {
        String name = dns.answeredName(address);
        if (name == null) {
            return flow;
        }
        try {
            return flow.withDestination(new Destination(name, address, flow.destination().port()));
        } catch (IllegalArgumentException e) {
            return flow; // a name no flow may go to: the address alone, as without the mapping
        }
    }

    @Override
    public void release(Metadata original) {
        InetAddress address = original.destination().address();
        // A mapped address pins nothing; a fake one stays in its range (the pools outlive a switch out of fake-ip).
        if (address != null && dns.isFake(address)) {
            pool(address).release(address);
        }
    }

    private FakeIpPool pool(InetAddress address) {
        return address.getAddress().length == 4 ? dns.pool4() : dns.pool6();
    }
}
