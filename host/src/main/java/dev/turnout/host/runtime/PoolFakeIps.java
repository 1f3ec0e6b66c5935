package dev.turnout.host.runtime;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.host.dns.DnsService;
import dev.turnout.host.dns.FakeIpPool;
import dev.turnout.host.tunnel.FakeIps;
import java.net.InetAddress;

/** {@link FakeIps} over the DNS service's pools: the name replaces the fake address, pinned while the flow lives. */
final class PoolFakeIps implements FakeIps {

    private final DnsService dns;

    PoolFakeIps(DnsService dns) {
        this.dns = dns;
    }

    @Override
    public Metadata restore(Metadata flow) {
        InetAddress address = flow.destination().address();
        if (address == null || !dns.isFake(address)) {
            return flow;
        }
        String name = pool(address).acquire(address);
        if (name == null) {
            return null;
        }
        // Only the name goes on: DIRECT resolves it for real, proxies are asked for the name.
        try {
            return flow.withDestination(Destination.ofHost(name, flow.destination().port()));
        } catch (IllegalArgumentException e) {
            // A name no flow may go to ("3405803781"): as if the fake address were unknown.
            return null;
        }
    }

    @Override
    public void release(Metadata original) {
        InetAddress address = original.destination().address();
        pool(address).release(address);
    }

    private FakeIpPool pool(InetAddress address) {
        return address.getAddress().length == 4 ? dns.pool4() : dns.pool6();
    }
}
