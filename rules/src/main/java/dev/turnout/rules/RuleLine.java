package dev.turnout.rules;

/** One entry of {@code rules:} exactly as written ({@code DOMAIN-SUFFIX,google.com,PROXY}), and where. */
public record RuleLine(String text, Origin origin) {
}
