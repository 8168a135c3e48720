// C++ WASI command (has main): the payload arrives on stdin, stdout is the output.
// Deploy: scripts/deploy.sh hellocpp cpp scripts/examples/hello.cpp
#include <iostream>
#include <iterator>
#include <string>

int main() {
    std::string payload{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    std::cout << "Hello, " << payload << '\n';
    return 0;
}
