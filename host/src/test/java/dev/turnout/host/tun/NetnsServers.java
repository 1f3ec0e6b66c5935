package dev.turnout.host.tun;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The "internet" of the namespace tests: an HTTP server on port {@code args[0]} that answers with the peer's
 * address ({@code peer=192.0.2.1}) or, for {@code /bytes/N}, with N zero bytes, and a UDP echo server on port {@code args[1]}, both on all addresses (the echo on each one apart).
 */
public final class NetnsServers {

    private NetnsServers() {
    }

    public static void main(String[] args) throws Exception {
        ServerSocket http = new ServerSocket();
        http.bind(new InetSocketAddress(InetAddress.getByName("::"), Integer.parseInt(args[0])), 256);
        // One echo socket per address, so that each reply leaves from the address it was sent to: a socket on the
        // wildcard address answers from whichever address the route back picks, and the TUN's NAT, full cone, shows
        // the application that address, as the network itself would.
        for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                if (a.isLinkLocalAddress()) {
                    continue;
                }
                DatagramSocket echo = new DatagramSocket(new InetSocketAddress(a, Integer.parseInt(args[1])));
                Thread udp = new Thread(() -> {
                    byte[] buf = new byte[65536];
                    while (true) {
                        try {
                            DatagramPacket p = new DatagramPacket(buf, buf.length);
                            echo.receive(p);
                            String text = new String(p.getData(), 0, p.getLength(), java.nio.charset.StandardCharsets.UTF_8);
                            if (text.startsWith("burst ")) {
                                // "burst N SIZE": N datagrams of SIZE bytes at once, each telling its place.
                                String[] f = text.split(" ");
                                for (int i = 0; i < Integer.parseInt(f[1]); i++) {
                                    byte[] d = UdpProbe.burstDatagram(i, Integer.parseInt(f[2]));
                                    echo.send(new DatagramPacket(d, d.length, p.getSocketAddress()));
                                }
                                continue;
                            }
                            echo.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                        } catch (Exception e) {
                            return;
                        }
                    }
                }, "udp-echo " + a.getHostAddress());
                udp.setDaemon(true);
                udp.start();
            }
        }
        System.out.println("READY");
        System.out.flush();
        while (true) {
            Socket s = http.accept();
            Thread t = new Thread(() -> serve(s), "http");
            t.setDaemon(true);
            t.start();
        }
    }

    private static void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setSoTimeout(5000);
            int state = 0;
            StringBuilder head = new StringBuilder();
            // read up to the end of the request head
            while (state < 4) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
                state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            }
            String path = head.toString().split(" ", 3)[1];
            if (path.startsWith("/bytes/")) {
                long n = Long.parseLong(path.substring("/bytes/".length()));
                out.write(("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + n
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[65536];
                for (long left = n; left > 0; left -= chunk.length) {
                    out.write(chunk, 0, (int) Math.min(left, chunk.length));
                }
                out.flush();
                return;
            }
            String body = "peer=" + s.getInetAddress().getHostAddress() + "\n";
            out.write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (Exception e) {
            // the test sees the failure on its side
        }
    }
}
