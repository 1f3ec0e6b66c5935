package dev.turnout.api.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Echoes every datagram back to its sender, prefixed with {@code echo:}, on 127.0.0.1. */
public final class UdpEchoServer implements AutoCloseable {

    private final DatagramSocket socket;

    public UdpEchoServer() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket in = new DatagramPacket(buf, buf.length);
                    socket.receive(in);
                    byte[] reply = new byte[5 + in.getLength()];
                    System.arraycopy("echo:".getBytes(), 0, reply, 0, 5);
                    System.arraycopy(in.getData(), 0, reply, 5, in.getLength());
                    socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-echo");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() {
        socket.close();
    }
}
