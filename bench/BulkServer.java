import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A bulk HTTP server for the benchmarks: every request gets SIZE bytes of zeros, as fast as the socket takes
 * them. Started with the JDK's single-file launcher: java bench/BulkServer.java PORT SIZE.
 */
public final class BulkServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long size = Long.parseLong(args[1]);
        byte[] chunk = new byte[256 * 1024];
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port), 128);
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s, size, chunk));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    static void serve(Socket s, long size, byte[] chunk) {
        try (s) {
            InputStream in = s.getInputStream();
            int state = 0;
            for (int i = 0; i < 65536 && state < 4; i++) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                state = (b == '\r' && state % 2 == 0) ? state + 1 : (b == '\n' && state % 2 == 1) ? state + 1 : 0;
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
            out.flush();
        } catch (Exception e) {
            // client gone
        }
    }
}
