package dev.turnout.host.inbound.socks5;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.api.RejectedException;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class Socks5ServerHandlerTest {

    @Test
    void eachKindOfFailedDialGetsTheReplyThatNamesIt() {
        assertEquals(Socks5CommandStatus.FORBIDDEN, Socks5ServerHandler.statusFor(new RejectedException("REJECT")));
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE,
                Socks5ServerHandler.statusFor(new UnknownHostException("no.such.test")));
        // A LAN host that is off, a destination with no route: curl says "Host unreachable", not "General failure".
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE,
                Socks5ServerHandler.statusFor(new NoRouteToHostException("no route to host: 192.0.2.9:80")));
        assertEquals(Socks5CommandStatus.CONNECTION_REFUSED,
                Socks5ServerHandler.statusFor(new ConnectException("connection refused: 192.0.2.9:80")));
        assertEquals(Socks5CommandStatus.FAILURE, Socks5ServerHandler.statusFor(new IOException("anything else")));
    }
}
