package dev.turnout.host.inbound.tproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.turnout.api.Destination;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class TproxyInboundTest {

    @Test
    void whatWasGoingElsewhereGoesThere() throws Exception {
        InetSocketAddress web = new InetSocketAddress("198.51.100.2", 8080);
        assertEquals(Destination.of(web), TproxyInbound.interceptedTo(web, 7896));
        InetSocketAddress samePortElsewhere = new InetSocketAddress("198.51.100.2", 7896);
        assertEquals(Destination.of(samePortElsewhere), TproxyInbound.interceptedTo(samePortElsewhere, 7896),
                "another machine's port 7896 is just a destination");
        InetSocketAddress ownOtherPort = new InetSocketAddress("127.0.0.1", 8080);
        assertEquals(Destination.of(ownOtherPort), TproxyInbound.interceptedTo(ownOtherPort, 7896));
    }

    @Test
    void theTproxyPortItselfOnThisMachineIsNowhereToSendTo() {
        for (String own : new String[] {"127.0.0.1", "0.0.0.0", "::1", "::"}) {
            IOException e = assertThrows(IOException.class,
                    () -> TproxyInbound.interceptedTo(new InetSocketAddress(own, 7896), 7896), own);
            assertEquals("not intercepted (made to the tproxy port itself): nowhere to send it", e.getMessage());
        }
    }
}
