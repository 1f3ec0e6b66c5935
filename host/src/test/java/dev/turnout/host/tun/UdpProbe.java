package dev.turnout.host.tun;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Sends {@code args[2]} to {@code args[0]:args[1]} over UDP (up to 5 tries) and prints {@code ECHO <reply>}; with
 * {@code burst N SIZE} as {@code args[2..4]}, asks {@link NetnsServers}' echo for N datagrams of SIZE bytes at once and
 * prints {@code BURST received=R intact=I}: how many came within a second of the last, and how many of those were
 * whole and in their place.
 */
public final class UdpProbe {

    private UdpProbe() {
    }

    /** The {@code i}th datagram of a burst: its number, then bytes that depend on the number and the place. */
    static byte[] burstDatagram(int i, int size) {
        byte[] d = new byte[size];
        for (int j = 0; j < size; j++) {
            d[j] = (byte) (i * 131 + j * 7);
        }
        java.nio.ByteBuffer.wrap(d).putInt(0, i);
        return d;
    }

    private static void burst(String host, int port, int count, int size) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setReceiveBufferSize(4 << 20);
            s.setSoTimeout(1000);
            s.connect(new InetSocketAddress(host, port));
            byte[] ask = ("burst " + count + " " + size).getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(ask, ask.length));
            int received = 0;
            int intact = 0;
            int next = 0;
            byte[] buf = new byte[65536];
            while (received < count) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    break;
                }
                received++;
                int i = java.nio.ByteBuffer.wrap(buf).getInt(0);
                if (i >= next && p.getLength() == size
                        && java.util.Arrays.equals(burstDatagram(i, size), java.util.Arrays.copyOf(buf, size))) {
                    intact++;
                    next = i + 1;
                }
            }
            System.out.println("BURST received=" + received + " intact=" + intact);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[2].equals("burst")) {
            burst(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            return;
        }
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(1000);
            s.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
            byte[] msg = args[2].getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 5; i++) {
                s.send(new DatagramPacket(msg, msg.length));
                byte[] buf = new byte[2048];
                DatagramPacket reply = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(reply);
                    System.out.println("ECHO " + new String(buf, 0, reply.getLength(), StandardCharsets.UTF_8));
                    return;
                } catch (SocketTimeoutException e) {
                    // try again
                }
            }
            System.out.println("NO-ECHO");
        }
    }
}
