package dev.turnout.host.dns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code nameserver} lines of a resolv.conf, which the {@code system} nameserver and the TUN's DNS capture read. */
public final class ResolvConf {

    private ResolvConf() {
    }

    /**
     * The value of each {@code nameserver} line, as written (an address, perhaps with an IPv6 {@code %scope}).
     *
     * @throws IOException when the file cannot be read
     */
    public static List<String> nameservers(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                out.add(words[1]);
            }
        }
        return out;
    }
}
