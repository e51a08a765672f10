#include "wording.h"

namespace crf {
namespace {

void fill(v1::Wording& w, const Message& m)
{
    w.set_text_template(m.tmpl);
    bool nested = false;
    for (const auto& a : m.args) {
        w.add_args(a.text);
        nested = nested || !a.tmpl.empty();
    }
    if (nested)
        for (const auto& a : m.args)
            fill(*w.add_arg_wordings(), a);
}

Message read(const v1::Wording& w, std::string text)
{
    if (w.text_template().empty())
        return Message(std::move(text));
    std::vector<Message> args;
    const bool nested = w.arg_wordings_size() == w.args_size();
    for (int i = 0; i < w.args_size(); ++i)
        args.push_back(nested ? read(w.arg_wordings(i), w.args(i)) : Message(w.args(i)));
    return Message{fillTemplate(w.text_template(), args), w.text_template(), std::move(args)};
}

} // namespace

v1::Wording toWording(const Error& error)
{
    v1::Wording w;
    w.set_where(error.where);
    fill(w, error.message());
    return w;
}

v1::Wording toWording(const Message& message)
{
    v1::Wording w;
    fill(w, message);
    return w;
}

Message messageFromWording(const v1::Wording& wording, std::string text)
{
    Message m = read(wording, text);
    return m.text == text ? m : Message(std::move(text));
}

Error fromWording(const v1::Wording& wording, std::string text)
{
    Error e = messageError(wording.where(), read(wording, text));
    // Parts that do not say what the text says are dropped: the English text is what was said. The text may name the
    // place ("item X: ...") or not.
    if (e.tmpl.empty() || (e.what != text && e.text() != text))
        return Error{{}, std::move(text)};
    return e;
}

} // namespace crf
