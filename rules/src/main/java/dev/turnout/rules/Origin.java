package dev.turnout.rules;

/**
 * Where something was written: file, 1-based line and column. {@code line} and {@code column} are 0 when
 * unknown.
 */
public record Origin(String file, int line, int column) {

    @Override
    public String toString() {
        if (line <= 0) {
            return file;
        }
        return file + ":" + line + ":" + column;
    }
}
