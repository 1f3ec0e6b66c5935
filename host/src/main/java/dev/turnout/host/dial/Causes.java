package dev.turnout.host.dial;

/**
 * Why a connection or a download failed, in words. Netty's epoll transport reports an unreachable network as a
 * {@code NoRouteToHostException} without a message, which it then annotates with the address: "null:
 * /119.29.29.29:443" reached the log as it was.
 */
public final class Causes {

    private Causes() {
    }

    /** The message; for none, the exception's name in words ("no route to host"), with Netty's address kept. */
    public static String of(Throwable e) {
        String m = e.getMessage();
        if (m == null) {
            return words(e);
        }
        if (m.startsWith("null: ")) {
            return words(e.getCause() != null ? e.getCause() : e) + m.substring("null".length());
        }
        return m;
    }

    /** {@code NoRouteToHostException} -> "no route to host"; a bare acronym keeps the class's name (IOException). */
    private static String words(Throwable e) {
        String name = e.getClass().getSimpleName().replaceFirst("Exception$", "");
        if (name.startsWith("Annotated")) {
            name = name.substring("Annotated".length()); // Netty's subclasses that add the address
        }
        if (name.isEmpty() || name.chars().allMatch(Character::isUpperCase)) {
            return e.getClass().getSimpleName();
        }
        StringBuilder b = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean wordStarts = i > 0 && Character.isUpperCase(c) && (Character.isLowerCase(name.charAt(i - 1))
                    || i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1)));
            if (wordStarts) {
                b.append(' ');
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }
}
