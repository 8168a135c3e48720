// Word count over the payload (words split at ASCII whitespace): the total, then each
// distinct word with its count, in byte order. The same output as wordcount.go.
// Deploy: scripts/deploy.sh wc cpp scripts/examples/wordcount.cpp
#include <iostream>
#include <iterator>
#include <map>
#include <string>

static bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int main() {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    std::map<std::string, long> counts;
    long total = 0;
    std::string::size_type i = 0;
    while (i < text.size()) {
        while (i < text.size() && isSpace(text[i])) i++;
        std::string::size_type start = i;
        while (i < text.size() && !isSpace(text[i])) i++;
        if (i > start) {
            counts[text.substr(start, i - start)]++;
            total++;
        }
    }
    std::cout << total << " words, " << counts.size() << " distinct\n";
    for (const auto &entry : counts) std::cout << entry.first << ' ' << entry.second << '\n';
    return 0;
}
