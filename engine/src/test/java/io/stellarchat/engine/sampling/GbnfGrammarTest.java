package io.stellarchat.engine.sampling;

import static io.stellarchat.engine.sampling.GrammarTesting.isPrefix;
import static io.stellarchat.engine.sampling.GrammarTesting.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GbnfGrammarTest {

    @Test
    void literalsAlternativesAndGroupsMatchExactlyTheirLanguage() {
        Grammar g = Grammar.gbnf("root ::= \"yes\" | \"no\" | (\"may\" \"be\")");
        assertTrue(matches(g, "yes"));
        assertTrue(matches(g, "no"));
        assertTrue(matches(g, "maybe"));
        assertFalse(matches(g, "ye"));
        assertTrue(isPrefix(g, "ye"));
        assertFalse(isPrefix(g, "yess"));
        assertFalse(matches(g, ""));
    }

    @Test
    void repetitionOperatorsCountCorrectly() {
        Grammar g = Grammar.gbnf("root ::= \"a\"* \"b\"+ \"c\"? \"d\"{2} \"e\"{1,3} \"f\"{2,}");
        assertTrue(matches(g, "bddeff"));
        assertTrue(matches(g, "aaabbbcddeeefff"));
        assertFalse(matches(g, "bdeff"), "d{2} needs two");
        assertFalse(matches(g, "bddeeeeff"), "e{1,3} allows three at most");
        assertFalse(matches(g, "bddef"), "f{2,} needs two");
        assertFalse(matches(g, "ddeff"), "b+ needs one");
    }

    @Test
    void characterClassesWithRangesNegationAndUnicode() {
        Grammar g = Grammar.gbnf("root ::= [a-z0-9_]+ [^\"\\\\\\n]* \"!\"");
        assertTrue(matches(g, "ab_9!"));
        assertTrue(matches(g, "x héllo wörld 🌍!"));
        assertFalse(matches(g, "A!"));
        assertFalse(matches(g, "x\"!"));
        Grammar greek = Grammar.gbnf("root ::= [α-ω]+");
        assertTrue(matches(greek, "αβγω"));
        assertFalse(matches(greek, "αa"));
        Grammar any = Grammar.gbnf("root ::= . .");
        assertTrue(matches(any, "a€"));
        assertFalse(matches(any, "a"));
    }

    @Test
    void escapesInLiteralsAndClasses() {
        Grammar g = Grammar.gbnf("root ::= \"\\x41\\u00e9\\n\\t\\\"\" [\\x30-\\x32]");
        assertTrue(matches(g, "Aé\n\t\"1"));
        assertFalse(matches(g, "Aé\n\t\"3"));
    }

    @Test
    void multiLineRulesCommentsAndRecursion() {
        String text = """
                # a tiny arithmetic language
                root ::= expr
                expr ::= term (("+" | "-") term)*
                term ::=
                    num
                  | "(" expr ")"
                num  ::= [0-9]+
                """;
        Grammar g = Grammar.gbnf(text);
        assertTrue(matches(g, "1+(2-3)+((4))"));
        assertFalse(matches(g, "1+"));
        assertFalse(matches(g, "(1"));
        assertTrue(isPrefix(g, "((1+2"));
    }

    @Test
    void llamaCppJsonGrammarParsesAndMatches() {
        String json = """
                root   ::= object
                value  ::= object | array | string | number | ("true" | "false" | "null") ws

                object ::=
                  "{" ws (
                            string ":" ws value
                    ("," ws string ":" ws value)*
                  )? "}" ws

                array  ::=
                  "[" ws (
                            value
                    ("," ws value)*
                  )? "]" ws

                string ::=
                  "\\"" (
                    [^"\\\\\\x7F\\x00-\\x1F] |
                    "\\\\" (["\\\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
                  )* "\\"" ws

                number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

                # Optional space: by convention, applied in this grammar after literal chars when allowed
                ws ::= | " " | "\\n" [ \\t]{0,20}
                """;
        Grammar g = Grammar.gbnf(json);
        assertTrue(matches(g, "{\"a\": [1, 2.5, \"x\\n\", true, null], \"b\": {}}"));
        assertFalse(matches(g, "{\"a\": [1,]}"));
    }

    @Test
    void errorsNameTheProblemAndPlace() {
        GrammarException undefined = assertThrows(GrammarException.class, () -> Grammar.gbnf("root ::= foo"));
        assertTrue(undefined.getMessage().contains("undefined rule 'foo'"), undefined.getMessage());
        GrammarException noRoot = assertThrows(GrammarException.class, () -> Grammar.gbnf("a ::= \"x\""));
        assertTrue(noRoot.getMessage().contains("'root'"), noRoot.getMessage());
        GrammarException left = assertThrows(GrammarException.class, () -> Grammar.gbnf("root ::= root \"a\" | \"b\""));
        assertTrue(left.getMessage().contains("left recursion"), left.getMessage());
        GrammarException syntax = assertThrows(GrammarException.class, () -> Grammar.gbnf("root ::= \"abc"));
        assertTrue(syntax.getMessage().startsWith("GBNF line 1"), syntax.getMessage());
    }

    @Test
    void compositionBuildsToolCallGrammars() {
        Grammar args = Grammar.jsonSchema("""
                {"type":"object","properties":{"city":{"type":"string"}},"required":["city"],
                 "additionalProperties":false}""", true);
        Grammar weather = Grammar.sequence("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ", args,
                "}\n</tool_call>");
        Grammar time = Grammar.sequence("<tool_call>\n{\"name\": \"get_time\", \"arguments\": ", Grammar.jsonObject(),
                "}\n</tool_call>");
        Grammar calls = Grammar.repeat(Grammar.anyOf(List.of(weather, time)), 1, 2);
        String one = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
        String two = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";
        assertTrue(matches(calls, one));
        assertTrue(matches(calls, one + two));
        assertFalse(matches(calls, one + two + one), "at most two calls");
        assertFalse(matches(calls, one.replace("Paris\"", "Paris\", \"x\": 1")));
        assertEquals(List.of(), calls.ignoredKeywords());
        Grammar again = Grammar.repeat(Grammar.anyOf(List.of(
                Grammar.sequence("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ", args, "}\n</tool_call>"),
                time)), 1, 2);
        assertTrue(again == calls, "the same composition is compiled once and keeps its mask caches");
    }

    @Test
    void sameSourceIsCompiledOnce() {
        String src = "root ::= \"cached\" [0-9]";
        assertTrue(Grammar.gbnf(src) == Grammar.gbnf(src));
    }
}
