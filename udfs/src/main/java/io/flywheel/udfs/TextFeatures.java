package io.flywheel.udfs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Structural features of one text (lengths, sentences, casing, out-of-vocabulary rate, fragments,
 * JSON/XML validity, language, PII, emptiness), each a static method, and {@link #of} computing them
 * all with one tokenization. Definitions, heuristics and the word list's source: docs/skew.md#features.
 */
public final class TextFeatures {
  /** Bump when a definition, heuristic or the word list changes: stored beside the features. */
  public static final int VERSION = 1;

  /** Sentences shorter than this many words are fragments. */
  public static final int FRAGMENT_MIN_WORDS = 3;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);

  private static final SAXParserFactory XML = xmlFactory();
  private static final ThreadLocal<SAXParser> XML_PARSER = ThreadLocal.withInitial(TextFeatures::newXmlParser);

  /** Auxiliaries, modals, copulas and common verbs (all forms listed): the "verb-like" tokens. */
  private static final Set<String> VERBS = verbs();

  private TextFeatures() {}

  /** All features of one text. Shares are null where their denominator is zero (see docs). */
  public record Profile(
      Integer chars,
      Integer words,
      Integer estimatedTokens,
      Integer sentences,
      Double nonLetterShare,
      Double lowerShare,
      Double upperShare,
      Double titleShare,
      Double mixedShare,
      Double oovRate,
      Integer fragments,
      Double fragmentShare,
      Boolean validJson,
      String jsonShape,
      List<String> jsonKeys,
      Boolean validXml,
      String language,
      Boolean hasPii,
      boolean empty) {}

  /** Casing profile: shares of cased words that are lower, UPPER, Title or miXed case. */
  public record Casing(double lower, double upper, double title, double mixed) {}

  /** Every feature of {@code text}; for null, every feature is null except {@code empty} (true). */
  public static Profile of(String text) {
    if (text == null) {
      return new Profile(null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null, null, null, true);
    }
    Scan s = Scan.of(text);
    Casing casing = s.casing();
    JsonNode json = parseJson(text);
    String language = LanguageDetector.detect(text);
    Integer fragments = fragmentCount(s, language);
    return new Profile(
        s.codePoints,
        s.words.size(),
        s.estimatedTokens(),
        s.sentences.size(),
        s.nonLetterShare(),
        casing == null ? null : casing.lower(),
        casing == null ? null : casing.upper(),
        casing == null ? null : casing.title(),
        casing == null ? null : casing.mixed(),
        s.oovRate(),
        fragments,
        fragments == null || s.sentences.isEmpty() ? null : (double) fragments / s.sentences.size(),
        json != null,
        shapeOf(json),
        keysOf(json),
        validXml(text),
        language,
        !PiiRedactor.kindsFound(text).isEmpty(),
        text.isBlank());
  }

  /** Length in Unicode code points (an emoji is one, a UTF-16 surrogate pair is not two). */
  public static Integer charCount(String text) {
    return text == null ? null : text.codePointCount(0, text.length());
  }

  /** Word tokens: runs of letters/digits (inner apostrophes kept); each CJK character is a word. */
  public static Integer wordCount(String text) {
    return text == null ? null : Scan.of(text).words.size();
  }

  /** About 4 characters a token, plus one token per CJK character (docs/skew.md#features). */
  public static Integer estimatedTokens(String text) {
    return text == null ? null : Scan.of(text).estimatedTokens();
  }

  /** Sentences: segments ending in . ! ? … (then space or end), 。！？, or a line break. */
  public static Integer sentenceCount(String text) {
    return text == null ? null : Scan.of(text).sentences.size();
  }

  /** Share of non-whitespace code points that are not letters; null when there are none. */
  public static Double nonLetterShare(String text) {
    return text == null ? null : Scan.of(text).nonLetterShare();
  }

  /** The casing profile of the words that have cased letters; null when there are none. */
  public static Casing casingProfile(String text) {
    return text == null ? null : Scan.of(text).casing();
  }

  /** Share of letter-only words missing from the shipped English word list; null when none. */
  public static Double oovRate(String text) {
    return text == null ? null : Scan.of(text).oovRate();
  }

  /**
   * Sentences that are fragments: under {@link #FRAGMENT_MIN_WORDS} words, or without a verb-like
   * token. Only defined for text detected as English or undetermined (null otherwise).
   */
  public static Integer fragmentCount(String text) {
    return text == null ? null : fragmentCount(Scan.of(text), LanguageDetector.detect(text));
  }

  /** Fragments over sentences; null when undefined (no sentence, or not English). */
  public static Double fragmentShare(String text) {
    if (text == null) {
      return null;
    }
    Scan s = Scan.of(text);
    Integer f = fragmentCount(s, LanguageDetector.detect(text));
    return f == null || s.sentences.isEmpty() ? null : (double) f / s.sentences.size();
  }

  /** True when the whole text is exactly one strict RFC 8259 JSON value. */
  public static Boolean isValidJson(String text) {
    return text == null ? null : parseJson(text) != null;
  }

  /** {@code object}, {@code list}, {@code scalar} or {@code invalid}. */
  public static String jsonShape(String text) {
    return text == null ? null : shapeOf(parseJson(text));
  }

  /** Sorted top-level keys of a JSON object; null when the text is not a JSON object. */
  public static List<String> jsonKeys(String text) {
    return text == null ? null : keysOf(parseJson(text));
  }

  /** True when the text is a well-formed XML document (no schema; external entities never loaded). */
  public static Boolean isValidXml(String text) {
    return text == null ? null : validXml(text);
  }

  /** {@link LanguageDetector#detect}. */
  public static String language(String text) {
    return text == null ? null : LanguageDetector.detect(text);
  }

  /** True when {@link PiiRedactor} finds an e-mail, card or phone number. */
  public static Boolean hasPii(String text) {
    return text == null ? null : !PiiRedactor.kindsFound(text).isEmpty();
  }

  /** True for null, empty or whitespace-only text: an empty output. */
  public static boolean isEmpty(String text) {
    return text == null || text.isBlank();
  }

  private static Integer fragmentCount(Scan s, String language) {
    if (!language.equals("en") && !language.equals("und")) {
      return null;
    }
    int fragments = 0;
    for (List<String> sentence : s.sentences) {
      if (sentence.size() < FRAGMENT_MIN_WORDS || !hasVerbLike(sentence)) {
        fragments++;
      }
    }
    return fragments;
  }

  private static boolean hasVerbLike(List<String> sentence) {
    for (String w : sentence) {
      String lw = w.toLowerCase(Locale.ROOT);
      if (VERBS.contains(lw)) {
        return true;
      }
      // Regular past tenses and participles ("arrived", "charging"), if the stem is a letter run.
      if (lw.length() >= 5 && (lw.endsWith("ed") || lw.endsWith("ing")) && isLetters(lw)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isLetters(String w) {
    for (int i = 0; i < w.length(); i++) {
      if (!Character.isLetter(w.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Letters, combining marks and inner apostrophes only: a word the vocabulary can judge. */
  private static boolean isLettersOrMarks(String w) {
    for (int i = 0; i < w.length(); ) {
      int cp = w.codePointAt(i);
      i += Character.charCount(cp);
      if (!Character.isLetter(cp) && cp != '\'' && !Scan.isMark(cp)) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode parseJson(String text) {
    if (text.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (IOException | RuntimeException e) {
      // Malformed input, or beyond Jackson's nesting/length limits: not valid JSON for our purpose.
      return null;
    }
  }

  private static String shapeOf(JsonNode json) {
    if (json == null) {
      return "invalid";
    }
    if (json.isObject()) {
      return "object";
    }
    return json.isArray() ? "list" : "scalar";
  }

  private static List<String> keysOf(JsonNode json) {
    if (json == null || !json.isObject()) {
      return null;
    }
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    keys.sort(null);
    return keys;
  }

  private static boolean validXml(String text) {
    String t = text.strip();
    // Plain prose never starts with '<': skip the parser for it.
    if (t.isEmpty() || t.charAt(0) != '<') {
      return false;
    }
    SAXParser parser = XML_PARSER.get();
    try {
      // reset() drops properties set after creation: set the access limits again every time.
      parser.reset();
      parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      InputSource in = new InputSource(new StringReader(t));
      parser.parse(in, new DefaultHandler() {
        @Override
        public InputSource resolveEntity(String publicId, String systemId) {
          // Belt and braces with the factory settings: an external entity resolves to nothing.
          return new InputSource(new StringReader(""));
        }
      });
      return true;
    } catch (SAXException | IOException | RuntimeException e) {
      return false;
    }
  }

  private static SAXParserFactory xmlFactory() {
    try {
      SAXParserFactory f = SAXParserFactory.newInstance();
      f.setNamespaceAware(true);
      f.setValidating(false);
      f.setXIncludeAware(false);
      // OWASP XXE prevention for JAXP SAX: no external entities or DTDs; secure processing caps
      // entity expansion (the "billion laughs").
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      return f;
    } catch (Exception e) {
      throw new IllegalStateException("cannot configure the JDK XML parser safely", e);
    }
  }

  private static SAXParser newXmlParser() {
    try {
      return XML.newSAXParser();
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the JDK XML parser", e);
    }
  }

  private static Set<String> verbs() {
    Set<String> v = new HashSet<>(List.of(
        "am", "is", "are", "was", "were", "be", "been", "being", "'m", "'re", "'s",
        "has", "have", "had", "having", "do", "does", "did", "done", "doing",
        "can", "could", "will", "would", "shall", "should", "may", "might", "must",
        "can't", "cannot", "won't", "wouldn't", "shouldn't", "couldn't", "isn't", "aren't", "wasn't",
        "weren't", "don't", "doesn't", "didn't", "hasn't", "haven't", "hadn't",
        "it's", "that's", "there's", "he's", "she's", "what's", "i'm", "you're", "we're", "they're",
        "i've", "you've", "we've", "they've", "i'll", "you'll", "it'll", "we'll", "they'll"));
    // Common irregular and regular verbs; the -s form and irregular pasts are listed, -ed/-ing
    // forms are caught by the suffix rule.
    String[] base = {
      "get", "got", "gotten", "make", "made", "go", "went", "gone", "goes", "take", "took", "taken",
      "come", "came", "see", "saw", "seen", "know", "knew", "known", "think", "thought", "look", "want",
      "give", "gave", "given", "use", "find", "found", "tell", "told", "ask", "work", "seem", "feel",
      "felt", "try", "tries", "leave", "left", "call", "keep", "kept", "let", "begin", "began", "begun",
      "help", "show", "shown", "hear", "heard", "play", "run", "ran", "move", "like", "love", "live",
      "believe", "hold", "held", "bring", "brought", "happen", "write", "wrote", "written", "provide",
      "sit", "sat", "stand", "stood", "lose", "lost", "pay", "paid", "meet", "met", "include", "continue",
      "set", "learn", "change", "lead", "led", "understand", "understood", "watch", "follow", "stop",
      "create", "speak", "spoke", "read", "allow", "add", "spend", "spent", "grow", "grew", "open",
      "walk", "win", "won", "offer", "remember", "consider", "appear", "buy", "bought", "wait", "serve",
      "die", "send", "sent", "expect", "build", "built", "stay", "fall", "fell", "cut", "reach", "kill",
      "remain", "suggest", "raise", "pass", "sell", "sold", "require", "report", "decide", "pull",
      "break", "broke", "broken", "arrive", "last", "lasts", "weigh", "weighs", "measure", "measures",
      "fit", "fits", "need", "needs", "contain", "contains", "comes", "works", "makes", "keeps",
      "holds", "uses", "feels", "looks", "gets", "gives", "takes", "runs", "charges", "charge",
      "recommend", "return", "returned", "ship", "shipped", "order", "ordered", "fix", "fixed",
      "says", "say", "said", "means", "mean", "meant", "put", "puts", "hope", "hopes", "praise", "praises",
      "promise", "promises", "describe", "describes", "plan", "plans", "become", "became", "becomes"
    };
    for (String b : base) {
      v.add(b);
      if (!b.endsWith("s")) {
        v.add(b + "s");
      }
    }
    return Set.copyOf(v);
  }

  /** The shipped English word list (SCOWL sizes 10-50; NOTICE beside it), loaded once. */
  static final class WordList {
    static final Set<String> WORDS = load();

    private WordList() {}

    private static Set<String> load() {
      String name = "english-words.txt";
      try (InputStream in = TextFeatures.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("word list " + name + " is missing from the udfs jar");
        }
        Set<String> words = new HashSet<>(100_000);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (!line.isEmpty()) {
            words.add(line);
          }
        }
        return Set.copyOf(words);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read word list " + name, e);
      }
    }
  }

  /** One left-to-right scan of a text: code points, words, sentences, letter counts. */
  private static final class Scan {
    int codePoints;
    int cjk;
    int nonSpace;
    int nonLetter;
    final List<String> words = new ArrayList<>();
    final List<List<String>> sentences = new ArrayList<>();

    static Scan of(String text) {
      Scan s = new Scan();
      s.run(text);
      return s;
    }

    private void run(String text) {
      List<String> sentence = new ArrayList<>();
      StringBuilder word = new StringBuilder();
      int n = text.length();
      int i = 0;
      while (i < n) {
        int cp = text.codePointAt(i);
        int len = Character.charCount(cp);
        codePoints++;
        boolean space = Character.isWhitespace(cp) || Character.isSpaceChar(cp);
        boolean letter = Character.isLetter(cp);
        if (!space) {
          nonSpace++;
          if (!letter) {
            nonLetter++;
          }
        }
        if (isCjk(cp)) {
          cjk++;
          flush(word, sentence);
          word.appendCodePoint(cp);
          flush(word, sentence);
        } else if (Character.isLetterOrDigit(cp) || (word.length() > 0 && isMark(cp))) {
          word.appendCodePoint(cp);
        } else if ((cp == '\'' || cp == '\u2019') && word.length() > 0 && i + len < n
            && Character.isLetter(text.codePointAt(i + len))) {
          word.append('\'');
        } else {
          flush(word, sentence);
        }
        if (endsSentence(text, i, cp, len)) {
          flush(word, sentence);
          if (!sentence.isEmpty()) {
            sentences.add(sentence);
            sentence = new ArrayList<>();
          }
        }
        i += len;
      }
      flush(word, sentence);
      if (!sentence.isEmpty()) {
        sentences.add(sentence);
      }
    }

    private void flush(StringBuilder word, List<String> sentence) {
      if (word.length() > 0) {
        String w = word.toString();
        words.add(w);
        sentence.add(w);
        word.setLength(0);
      }
    }

    /** A terminator (run) followed by whitespace or the end; CJK terminators and line breaks alone. */
    private static boolean endsSentence(String text, int i, int cp, int len) {
      if (cp == '\n' || cp == '\r' || cp == '\u3002' || cp == '\uFF01' || cp == '\uFF1F') {
        return true;
      }
      if (cp != '.' && cp != '!' && cp != '?' && cp != '\u2026') {
        return false;
      }
      int next = i + len;
      if (next >= text.length()) {
        return true;
      }
      int c = text.codePointAt(next);
      return Character.isWhitespace(c) || c == '"' || c == '\u201D' || c == ')';
    }

    private static boolean isMark(int cp) {
      int t = Character.getType(cp);
      return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
          || t == Character.ENCLOSING_MARK;
    }

    private static boolean isCjk(int cp) {
      Character.UnicodeScript sc = Character.UnicodeScript.of(cp);
      return sc == Character.UnicodeScript.HAN || sc == Character.UnicodeScript.HIRAGANA
          || sc == Character.UnicodeScript.KATAKANA;
    }

    int estimatedTokens() {
      return (codePoints - cjk + 3) / 4 + cjk;
    }

    Double nonLetterShare() {
      return nonSpace == 0 ? null : (double) nonLetter / nonSpace;
    }

    Casing casing() {
      int lower = 0;
      int upper = 0;
      int title = 0;
      int mixed = 0;
      for (String w : words) {
        int cased = 0;
        int up = 0;
        boolean firstUpper = false;
        for (int k = 0; k < w.length(); ) {
          int cp = w.codePointAt(k);
          k += Character.charCount(cp);
          boolean u = Character.isUpperCase(cp) || Character.isTitleCase(cp);
          if (u || Character.isLowerCase(cp)) {
            if (cased == 0) {
              firstUpper = u;
            }
            cased++;
            if (u) {
              up++;
            }
          }
        }
        if (cased == 0) {
          continue;
        }
        if (up == 0) {
          lower++;
        } else if (up == cased && cased >= 2) {
          upper++;
        } else if (firstUpper && up == 1) {
          title++;
        } else {
          mixed++;
        }
      }
      int total = lower + upper + title + mixed;
      if (total == 0) {
        return null;
      }
      return new Casing((double) lower / total, (double) upper / total, (double) title / total,
          (double) mixed / total);
    }

    Double oovRate() {
      int judged = 0;
      int oov = 0;
      for (String w : words) {
        if (!isLettersOrMarks(w)) {
          continue;
        }
        judged++;
        if (!WordList.WORDS.contains(w.toLowerCase(Locale.ROOT))) {
          oov++;
        }
      }
      return judged == 0 ? null : (double) oov / judged;
    }
  }
}
