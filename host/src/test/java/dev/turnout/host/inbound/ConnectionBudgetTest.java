package dev.turnout.host.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionBudgetTest {

    /** A connection as accepted from {@code host}. */
    private static EmbeddedChannel from(String host) {
        InetSocketAddress remote = new InetSocketAddress(host, 40000);
        return new EmbeddedChannel() {
            @Override
            public SocketAddress remoteAddress() {
                return remote;
            }
        };
    }

    @Test
    void oneHostOfTheLanHoldsItsShareAndTheLanCannotCrowdOutThisMachineNorTheUnixSocket() throws Exception {
        ConnectionBudget budget = new ConnectionBudget();
        List<EmbeddedChannel> held = new ArrayList<>();
        for (int i = 0; i < ConnectionBudget.PER_ADDRESS; i++) {
            EmbeddedChannel c = from("203.0.113.5");
            assertTrue(budget.admit(c, false));
            held.add(c);
        }
        assertFalse(budget.admit(from("203.0.113.5"), false), "one address's share is full");
        assertTrue(budget.admit(from("203.0.113.6"), false), "another address has its own");
        held.get(0).close();
        assertEquals(ConnectionBudget.PER_ADDRESS - 1, budget.from(InetAddress.getByName("203.0.113.5")));
        assertTrue(budget.admit(from("203.0.113.5"), false), "a place given back is taken again");

        // Every place of other machines' taken, by more addresses than it takes:
        for (int host = 10; host < 10 + ConnectionBudget.PER_KIND / ConnectionBudget.PER_ADDRESS + 1; host++) {
            for (int i = 0; i < ConnectionBudget.PER_ADDRESS; i++) {
                budget.admit(from("198.51.100." + host), false);
            }
        }
        assertFalse(budget.admit(from("198.51.100.200"), false), "other machines' places are all taken");
        assertTrue(budget.admit(from("127.0.0.1"), false), "this machine's dashboard still gets in");
        assertTrue(budget.admit(new EmbeddedChannel(), true), "and the Unix socket's client");
    }
}
