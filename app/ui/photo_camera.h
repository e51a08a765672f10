// PhotoCamera: the tablet's camera for the knee photo (Qt Multimedia), where one exists. The picture goes from the
// camera to memory (QImageCapture::capture, never captureToFile) and from there into the encrypted store through
// FormModel::attachImage: it never reaches a gallery or a clear file (docs/bedside.md "Mottling").
#pragma once

#include <QImage>
#include <QObject>
#include <memory>

class QCamera;
class QImageCapture;
class QMediaCaptureSession;

namespace crf::ui {

/// UI thread. `available` tells whether a camera exists; `start()` shows its picture in `videoOutput` (a QML
/// VideoOutput); `capture()` takes a still, delivered by `captured(image)`; errors in `message`.
class PhotoCamera : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool available READ available NOTIFY changed)
    Q_PROPERTY(bool active READ active NOTIFY changed)
    Q_PROPERTY(QString message READ message NOTIFY changed)
    Q_PROPERTY(QObject* videoOutput READ videoOutput WRITE setVideoOutput NOTIFY changed)

public:
    explicit PhotoCamera(QObject* parent = nullptr);
    ~PhotoCamera() override;

    bool available() const;
    bool active() const;
    QString message() const { return m_message; }
    QObject* videoOutput() const { return m_videoOutput; }
    void setVideoOutput(QObject* output);

    Q_INVOKABLE void start();
    Q_INVOKABLE void stop();
    Q_INVOKABLE void capture();

signals:
    void changed();
    void captured(const QImage& image);

private:
    QObject* m_videoOutput = nullptr;
    QString m_message;
    std::unique_ptr<QMediaCaptureSession> m_session;
    std::unique_ptr<QCamera> m_camera;
    std::unique_ptr<QImageCapture> m_capture;
};

} // namespace crf::ui
