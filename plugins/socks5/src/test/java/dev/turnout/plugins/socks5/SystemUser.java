package dev.turnout.plugins.socks5;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway system account (no home, no shell) for dante's username method, which checks system users;
 * removed by {@link #close()}. Needs root.
 */
final class SystemUser implements AutoCloseable {

    private final String name;
    private final String password;

    private SystemUser(String name, String password) {
        this.name = name;
        this.password = password;
    }

    static boolean canCreate() {
        return Files.isWritable(Path.of("/etc/passwd")) && Files.isExecutable(Path.of("/usr/sbin/useradd"));
    }

    static SystemUser create() throws IOException, InterruptedException {
        String name = "tnt" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        String password = "pw-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        run(null, "/usr/sbin/useradd", "-M", "-N", "-s", "/usr/sbin/nologin", name);
        SystemUser user = new SystemUser(name, password);
        try {
            run(name + ":" + password + "\n", "/usr/sbin/chpasswd");
        } catch (IOException | RuntimeException e) {
            user.close();
            throw e;
        }
        return user;
    }

    String name() {
        return name;
    }

    String password() {
        return password;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(null, "/usr/sbin/userdel", name);
    }

    private static void run(String input, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
    }
}
