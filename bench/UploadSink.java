import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The upload end for the benchmarks: reads each request's head, discards its body (Content-Length bytes, or up to
 * the end of input), then answers 200. Started with the JDK's single-file launcher: java bench/UploadSink.java PORT.
 */
public final class UploadSink {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port), 128);
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    static void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            int state = 0;
            for (int i = 0; i < 65536 && state < 4; i++) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
                state = (b == '\r' && state % 2 == 0) ? state + 1 : (b == '\n' && state % 2 == 1) ? state + 1 : 0;
            }
            long left = Long.MAX_VALUE;
            for (String line : head.toString().split("\r\n")) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    left = Long.parseLong(line.substring(15).trim());
                }
            }
            byte[] buf = new byte[256 * 1024];
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0; ) {
                left -= n;
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (Exception e) {
            // client gone
        }
    }
}
