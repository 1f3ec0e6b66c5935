package dev.turnout.plugins.v2ray.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;

/** A UDP echo server on 127.0.0.1 (one thread, closed with the test). */
public final class UdpEcho implements AutoCloseable {

    private final DatagramSocket socket;

    public UdpEcho() throws IOException {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "udp-echo");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        byte[] buffer = new byte[65536];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(p);
                socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // one datagram lost; go on
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
