package dev.turnout.host.tun;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Sends {@code args[2]} to {@code args[0]:args[1]} over UDP (up to 5 tries) and prints {@code ECHO <reply>}. */
public final class UdpProbe {

    private UdpProbe() {
    }

    public static void main(String[] args) throws Exception {
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
