#include "photo_camera.h"

#include <QCamera>
#include <QImageCapture>
#include <QMediaCaptureSession>
#include <QMediaDevices>

namespace crf::ui {

PhotoCamera::PhotoCamera(QObject* parent) : QObject(parent) {}

PhotoCamera::~PhotoCamera() = default;

bool PhotoCamera::available() const
{
    return !QMediaDevices::videoInputs().isEmpty();
}

bool PhotoCamera::active() const
{
    return m_camera && m_camera->isActive();
}

void PhotoCamera::setVideoOutput(QObject* output)
{
    m_videoOutput = output;
    if (m_session)
        m_session->setVideoOutput(output);
    emit changed();
}

void PhotoCamera::start()
{
    if (!available()) {
        m_message = tr("No camera on this device: import the photo from a file.");
        emit changed();
        return;
    }
    if (!m_session) {
        m_session = std::make_unique<QMediaCaptureSession>();
        m_camera = std::make_unique<QCamera>(QMediaDevices::defaultVideoInput());
        m_capture = std::make_unique<QImageCapture>();
        m_session->setCamera(m_camera.get());
        m_session->setImageCapture(m_capture.get());
        m_session->setVideoOutput(m_videoOutput);
        connect(m_camera.get(), &QCamera::activeChanged, this, &PhotoCamera::changed);
        connect(m_camera.get(), &QCamera::errorOccurred, this, [this](QCamera::Error, const QString& text) {
            m_message = tr("The camera failed: %1").arg(text);
            emit changed();
        });
        // In memory only: capture(), never captureToFile() (no clear file, no gallery).
        connect(m_capture.get(), &QImageCapture::imageCaptured, this,
                [this](int, const QImage& image) { emit captured(image); });
        connect(m_capture.get(), &QImageCapture::errorOccurred, this,
                [this](int, QImageCapture::Error, const QString& text) {
                    m_message = tr("The photo was not taken: %1").arg(text);
                    emit changed();
                });
    }
    m_message.clear();
    m_camera->start();
    emit changed();
}

void PhotoCamera::stop()
{
    if (m_camera)
        m_camera->stop();
    emit changed();
}

void PhotoCamera::capture()
{
    if (!m_capture || !m_camera || !m_camera->isActive()) {
        m_message =
            available() ? tr("Start the camera first.") : tr("No camera on this device: import the photo from a file.");
        emit changed();
        return;
    }
    m_capture->capture();
}

} // namespace crf::ui
