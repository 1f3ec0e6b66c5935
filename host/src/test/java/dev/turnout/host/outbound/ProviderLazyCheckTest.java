package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.config.ConfigException;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A provider's scheduled health check with {@code lazy} (mihomo's default): after the first round it probes
 * only while a group holding the provider's nodes carried a flow since the last round; {@code lazy: false}
 * probes every interval. The nodes are direct ones on the host's own dialer and the probes go to a real HTTP
 * server on loopback, which counts them by path.
 */
class ProviderLazyCheckTest {

    private ProbeServer server;

    @BeforeEach
    void setUp() throws Exception {
        server = new ProbeServer("lazy-check-test");
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Outbounds build() throws ConfigException {
        String probe = server.url();
        return server.build(String.join("\n",
                "proxy-providers:",
                "  idle:",
                "    type: inline",
                "    health-check: {enable: true, url: '" + probe + "/idle', interval: 1, lazy: true}",
                "    payload: [{name: i1, type: direct}]",
                "  eager:",
                "    type: inline",
                "    health-check: {enable: true, url: '" + probe + "/eager', interval: 1, lazy: false}",
                "    payload: [{name: e1, type: direct}]",
                "proxy-groups:",
                "  - {name: I, type: select, use: [idle]}",
                "  - {name: E, type: select, use: [eager]}",
                ""));
    }

    @Test
    void aLazyProviderIsProbedOnceThenOnlyAfterAGroupHoldingItCarriedAFlow() throws Exception {
        Outbounds outbounds = build();
        GroupSupervisor supervisor = new GroupSupervisor(server.loops, Selections.at(null));
        try {
            supervisor.adopt(outbounds);
            // The eager provider is the clock: three of its rounds are three intervals of the idle one's schedule.
            assertTrue(ProbeServer.await(() -> server.count("/eager") >= 3 && server.count("/idle") >= 1, 30),
                    () -> "probes seen: " + server.seen());
            assertEquals(1, server.count("/idle"), () -> "lazy and idle: only the first round probes; seen " + server.seen());
            assertTrue(supervisor.book().history("i1").get(0).ok(), "the first round reached the server");

            // A flow through group I touches the provider: its next round probes.
            Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("127.0.0.1", server.port()));
            Future<Channel> opened = outbounds.get("I").openStream(flow, server.loops.next());
            assertTrue(opened.await(10, TimeUnit.SECONDS) && opened.isSuccess(), () -> String.valueOf(opened.cause()));
            opened.getNow().close();
            assertTrue(ProbeServer.await(() -> server.count("/idle") >= 2, 10), () -> "used, yet not probed again; seen " + server.seen());
        } finally {
            supervisor.close();
            outbounds.close();
        }
    }

    /**
     * A flow counts until the next round, however late that round comes: on a busy machine a round can start
     * more than an interval after the flow, and a check that asked "used within the last interval" then skipped
     * the provider for good.
     */
    @Test
    void aFlowCountsForTheNextRoundEvenWhenThatRoundComesLate() throws Exception {
        Outbounds outbounds = build();
        GroupSupervisor supervisor = new GroupSupervisor(server.loops, Selections.at(null));
        try {
            supervisor.adopt(outbounds);
            assertTrue(ProbeServer.await(() -> server.count("/eager") >= 2 && server.count("/idle") >= 1, 30), () -> "probes seen: " + server.seen());
            Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("127.0.0.1", server.port()));
            Future<Channel> opened = outbounds.get("I").openStream(flow, server.loops.next());
            assertTrue(opened.await(10, TimeUnit.SECONDS) && opened.isSuccess(), () -> String.valueOf(opened.cause()));
            opened.getNow().close();
            // The supervisor's only event loop is busy for two intervals: its next round starts late.
            server.loops.next().execute(() -> {
                try {
                    Thread.sleep(2500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(ProbeServer.await(() -> server.count("/idle") >= 2, 15), () -> "used, but the late round skipped it; seen " + server.seen());
        } finally {
            supervisor.close();
            outbounds.close();
        }
    }
}
